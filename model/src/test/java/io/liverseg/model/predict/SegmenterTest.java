package io.liverseg.model.predict;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.StorageType;
import io.liverseg.model.DeviceSetting;
import io.liverseg.model.DjlEnvironment;
import io.liverseg.model.net.AttentionResUNet;
import io.liverseg.model.net.AttentionResUNetBlock;
import io.liverseg.model.net.AttentionType;
import io.liverseg.model.net.UNetConfig;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.pkg.ModelPackage;
import io.liverseg.model.pkg.TestManifests;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Geometry of whole-volume segmentation: whatever the storage orientation, the mask has the input's dims
 * and exact affine, and the same anatomy stored differently gets the same mask in world space.
 */
class SegmenterTest {
    static final UNetConfig TINY = new UNetConfig(1, 3, 4, 3, AttentionType.DOT_PRODUCT);

    @TempDir
    static Path dir;

    static Path pkg;

    @BeforeAll
    static void packageWithFixedWeights() throws IOException {
        pkg = dir.resolve("pkg");
        DjlEnvironment.init();
        DjlEnvironment.engine().setRandomSeed(1);
        AttentionResUNetBlock block = AttentionResUNet.builder().fromConfig(TINY).build();
        try (Model model = Model.newInstance("unet", Device.cpu(), DjlEnvironment.engine().getEngineName())) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 32, 32));
            // no postprocessing: compare the raw network output, which an untrained net makes non-trivial
            ModelPackage.save(pkg, model, TestManifests.liver(TINY, 32, ModelManifest.Postprocessing.none()));
        }
    }

    static PhantomCase phantom(String orientation) {
        return new PhantomGenerator(PhantomOptions.defaults().withSize(32).withSlices(6, 6).withSeed(9)
                .withOrientations(orientation).withStorageTypes(StorageType.INT16)).generate(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LPS", "RAS", "LPI", "RPS"})
    void maskKeepsInputGridAndMatchesTheRasCopyInWorldSpace(String orientation) throws IOException {
        PhantomCase stored = phantom(orientation);
        PhantomCase ras = phantom("RAS");
        Path file = dir.resolve(orientation + ".nii.gz");
        NiftiWriter.write(stored.image(), file);
        try (Segmenter s = Segmenter.open(pkg, DeviceSetting.CPU)) {
            Volume input = NiftiReader.defaults().readScan(file);
            Segmenter.Segmentation fromFile = s.segment(file, NiftiReader.defaults(), Segmenter.Options.defaults());
            Volume mask = fromFile.mask();
            assertThat(mask.dims()).containsExactly(input.dims());
            assertThat(mask.affine()).isEqualTo(input.affine());
            assertThat(mask.voxels().type()).isEqualTo(io.liverseg.imaging.DataType.UINT8);

            // streaming from a file and segmenting the volume in memory agree
            assertThat(s.segment(input, Segmenter.Options.defaults()).mask().voxels()).isEqualTo(mask.voxels());

            // the same anatomy stored as RAS gives the same labels voxel for voxel once both are canonical
            Volume rasMask = s.segment(ras.image(), Segmenter.Options.defaults()).mask();
            Volume canonical = Reorientation.toCanonical(mask).apply(mask);
            assertThat(canonical.voxels()).isEqualTo(rasMask.voxels());
            assertThat(rasMask.voxels().byteArray()).as("an untrained net still labels something")
                    .contains((byte) 1);
        }
    }

    @org.junit.jupiter.api.Test
    void aListenerSeesEveryBatchAndCanStopTheCallWithoutChangingTheMask() throws IOException {
        Path file = dir.resolve("listener.nii.gz");
        NiftiWriter.write(new PhantomGenerator(PhantomOptions.defaults().withSize(32).withSlices(10, 10).withSeed(3)
                .withOrientations("LPS").withStorageTypes(StorageType.INT16)).generate(0).image(), file);
        try (Segmenter s = Segmenter.open(pkg, DeviceSetting.CPU)) {
            Segmenter.Options batchOf4 = new Segmenter.Options(4);
            java.util.List<String> seen = new java.util.ArrayList<>();
            Segmenter.Segmentation withListener = s.segment(file, NiftiReader.defaults(), batchOf4,
                    new Segmenter.BatchListener() {
                        @Override
                        public void beforeBatch() {
                            seen.add("batch");
                        }

                        @Override
                        public void progress(int done, int total) {
                            seen.add(done + "/" + total);
                        }
                    });
            assertThat(seen).containsExactly("0/10", "batch", "4/10", "batch", "8/10", "batch", "10/10");
            assertThat(withListener.mask().voxels())
                    .isEqualTo(s.segment(file, NiftiReader.defaults(), batchOf4).mask().voxels());

            int[] batches = {0};
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.segment(file, NiftiReader.defaults(), batchOf4,
                    new Segmenter.BatchListener() {
                        @Override
                        public void beforeBatch() {
                            if (++batches[0] == 2) {
                                throw new IllegalStateException("cancelled by the client");
                            }
                        }
                    })).hasMessageContaining("cancelled by the client");
            assertThat(batches[0]).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"LPS", "RAS", "LPI", "RPS"})
    void probabilitiesSitOnTheInputGridSumToOneAndTheirArgmaxIsTheMask(String orientation) throws IOException {
        Path file = dir.resolve("prob-" + orientation + ".nii.gz");
        NiftiWriter.write(phantom(orientation).image(), file);
        try (Segmenter s = Segmenter.open(pkg, DeviceSetting.CPU)) {
            Volume input = NiftiReader.defaults().readScan(file);
            Segmenter.Segmentation withProbabilities = s.segment(file, NiftiReader.defaults(),
                    new Segmenter.Options(4, TestTimeAugmentation.NONE, true));
            Segmenter.Segmentation labelsOnly = s.segment(file, NiftiReader.defaults(), new Segmenter.Options(4));
            assertThat(labelsOnly.probabilities()).isNull();
            assertThat(withProbabilities.mask().voxels()).as("asking for probabilities does not change the mask")
                    .isEqualTo(labelsOnly.mask().voxels());

            Volume p = withProbabilities.probabilities();
            assertThat(p.dims()).containsExactly(input.nx(), input.ny(), input.nz(), 3);
            assertThat(p.affine()).isEqualTo(input.affine());
            assertThat(p.slope()).isEqualTo(1.0 / 255);
            byte[] q = p.voxels().byteArray();
            byte[] mask = withProbabilities.mask().voxels().byteArray();
            int n3 = mask.length;
            for (int v = 0; v < n3; v++) {
                int sum = 0;
                int best = 0;
                for (int c = 0; c < 3; c++) {
                    int b = q[c * n3 + v] & 0xFF;
                    sum += b;
                    best = Math.max(best, b);
                }
                // each class rounded on its own: the bytes sum to 255 within the rounding of three values
                assertThat(sum).as("voxel %d", v).isBetween(253, 257);
                // the mask's label has the highest probability (postprocessing is off in this package)
                assertThat(q[(mask[v] & 0xFF) * n3 + v] & 0xFF).as("voxel %d", v).isEqualTo(best);
            }
            boolean unsure = false;
            for (byte b : q) {
                unsure |= (b & 0xFF) > 10 && (b & 0xFF) < 245;
            }
            assertThat(unsure).as("probabilities, not one-hot labels: an untrained net is unsure somewhere").isTrue();
        }
    }
    /** Gate {@code g} of a 4D attention volume as a 3D volume on the same grid. */
    private static Volume gate(Volume maps, int g) {
        int n3 = maps.nx() * maps.ny() * maps.nz();
        byte[] plane = java.util.Arrays.copyOfRange(maps.voxels().byteArray(), g * n3, (g + 1) * n3);
        return new Volume(new int[] {maps.nx(), maps.ny(), maps.nz()},
                io.liverseg.imaging.Voxels.ofUnsignedBytes(plane), maps.affine(), 1, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LPS", "RAS", "LPI", "RPS"})
    void attentionMapsSitOnTheInputGridAndMatchTheRasCopyInWorldSpace(String orientation) throws IOException {
        Path file = dir.resolve("att-" + orientation + ".nii.gz");
        NiftiWriter.write(phantom(orientation).image(), file);
        Path rasFile = dir.resolve("att-ras-reference.nii.gz");
        NiftiWriter.write(phantom("RAS").image(), rasFile);
        try (Segmenter s = Segmenter.open(pkg, DeviceSetting.CPU)) {
            Volume input = NiftiReader.defaults().readScan(file);
            assertThat(s.attentionGates()).isEqualTo(TINY.levels() - 1);

            Volume maps = s.attentionMaps(file, NiftiReader.defaults(), 4);

            assertThat(maps.dims()).containsExactly(input.nx(), input.ny(), input.nz(), 2);
            assertThat(maps.affine()).isEqualTo(input.affine());
            assertThat(maps.slope()).isEqualTo(1.0 / 255);
            Volume ras = s.attentionMaps(rasFile, NiftiReader.defaults(), 4);
            for (int g = 0; g < 2; g++) {
                Volume stored = gate(maps, g);
                Volume canonical = Reorientation.toCanonical(stored).apply(stored);
                assertThat(canonical.voxels()).as("gate %d in world space", g).isEqualTo(gate(ras, g).voxels());
            }
        }
    }

    /**
     * A RAS scan at the network's own size is neither reoriented nor resampled: the finest gate's bytes are the
     * network's α for those slices at every voxel (within one step of 1/255: the passes group slices differently),
     * and the coarser gate varies within the slice.
     */
    @org.junit.jupiter.api.Test
    void theFinestGateIsTheNetworksAlphaAtEveryVoxel() throws IOException {
        Path file = dir.resolve("att-exact.nii.gz");
        NiftiWriter.write(phantom("RAS").image(), file);
        try (Segmenter s = Segmenter.open(pkg, DeviceSetting.CPU)) {
            Volume input = NiftiReader.defaults().readScan(file);
            Volume maps = s.attentionMaps(file, NiftiReader.defaults(), 4);
            io.liverseg.imaging.preprocess.SlicePreprocessor pre = new io.liverseg.imaging.preprocess.SlicePreprocessor(
                    input, s.manifest().preprocessing().toSpec());
            io.liverseg.imaging.preprocess.SliceBatch all = pre.batch(0, pre.sliceCount());
            SlicePredictor.Prediction p = s.predictor().predictWithAttention(all.data(), all.count(), all.channels(),
                    all.height(), all.width());
            float[] alpha = p.attention().get(0);
            byte[] fine = gate(maps, 0).voxels().byteArray();
            int nx = input.nx();
            int ny = input.ny();
            boolean unsure = false;
            for (int z = 0; z < input.nz(); z++) {
                for (int y = 0; y < ny; y++) {
                    for (int x = 0; x < nx; x++) {
                        int want = (int) Math.round(Math.min(1, Math.max(0, alpha[(z * ny + y) * nx + x])) * 255.0);
                        assertThat(fine[(z * ny + y) * nx + x] & 0xFF).as("voxel %d %d %d", x, y, z)
                                .isCloseTo(want, org.assertj.core.data.Offset.offset(1));
                        unsure |= want > 10 && want < 245;
                    }
                }
            }
            assertThat(unsure).as("an untrained gate is neither 0 nor 1 everywhere").isTrue();
            byte[] coarse = gate(maps, 1).voxels().byteArray();
            assertThat(java.util.stream.IntStream.range(0, nx * ny).map(i -> coarse[i] & 0xFF).distinct().count())
                    .isGreaterThan(1);
        }
    }
}
