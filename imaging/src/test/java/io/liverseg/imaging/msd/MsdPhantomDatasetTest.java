package io.liverseg.imaging.msd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.phantom.PhantomCase;
import io.liverseg.imaging.phantom.PhantomGenerator;
import io.liverseg.imaging.phantom.PhantomInfo;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.PhantomTask;
import io.liverseg.imaging.phantom.StorageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Phantoms written as an MSD folder read back as the same volumes through dataset.json and NIfTI. */
class MsdPhantomDatasetTest {
    @TempDir
    Path dir;

    private static PhantomOptions tiny() {
        return PhantomOptions.defaults().withSize(48).withSlices(8, 12).withSliceThickness(4, 5).withSeed(11);
    }

    private static void assertSameVolume(Volume read, Volume written) {
        assertThat(read.dims()).isEqualTo(written.dims());
        assertThat(read.voxels().type()).isEqualTo(written.voxels().type());
        assertThat(read.slope()).isEqualTo(written.slope());
        assertThat(read.inter()).isEqualTo(written.inter());
        assertThat(read.orientation()).isEqualTo(written.orientation());
        // sform rows are float32 in NIfTI-1.
        assertThat(read.affine().toArray()).containsExactly(written.affine().toArray(), within(1e-3));
        assertThat(read.voxels()).isEqualTo(written.voxels());
    }

    @Test
    void writtenPhantomsReadBackThroughDatasetJson() throws IOException {
        PhantomOptions o = tiny();
        List<PhantomInfo> progress = new ArrayList<>();
        MsdDataset ds = PhantomDatasetWriter.write(dir, o, 3, progress::add);

        assertThat(progress).hasSize(3);
        assertThat(ds.name()).isEqualTo("LiversegPhantomLiver");
        assertThat(ds.task()).isEqualTo(MsdTask.LIVER);
        assertThat(ds.labels()).containsEntry(0, "background").containsEntry(1, "liver").containsEntry(2, "cancer");
        assertThat(ds.modality()).containsEntry("0", "CT");
        assertThat(ds.training()).extracting(MsdCase::id).containsExactly("liver_000", "liver_001", "liver_002");
        assertThat(Files.list(dir.resolve("imagesTr")).count()).isEqualTo(3);

        PhantomGenerator g = new PhantomGenerator(o);
        for (int i = 0; i < 3; i++) {
            PhantomCase expected = g.generate(i);
            MsdCase c = ds.training().get(i);
            assertSameVolume(c.readImage(), expected.image());
            assertSameVolume(c.readLabel(), expected.label());
        }

        JsonNode phantoms = new ObjectMapper().readTree(dir.resolve("phantoms.json").toFile());
        assertThat(phantoms.get("options").get("seed").asLong()).isEqualTo(11);
        JsonNode first = phantoms.get("cases").get(0);
        assertThat(first.get("image").asText()).isEqualTo("./imagesTr/liver_000.nii.gz");
        assertThat(first.get("orientation").asText()).isEqualTo(progress.get(0).orientation());
        assertThat(first.get("storage").asText()).isEqualTo(progress.get(0).storage().name());
        assertThat(first.get("phase").asText()).isEqualTo(progress.get(0).phase().name());
        assertThat(first.get("spacing")).hasSize(3);
        assertThat(first.get("tumours").isArray()).isTrue();

        JsonNode json = new ObjectMapper().readTree(dir.resolve("dataset.json").toFile());
        assertThat(json.get("numTraining").asInt()).isEqualTo(3);
        assertThat(json.get("training").get(0).get("label").asText()).isEqualTo("./labelsTr/liver_000.nii.gz");
    }

    @Test
    void everyStorageTypeRoundTrips() throws IOException {
        for (StorageType t : StorageType.values()) {
            PhantomOptions o = tiny().withStorageTypes(t);
            MsdDataset ds = PhantomDatasetWriter.write(dir.resolve(t.name()), o, 1);
            PhantomCase expected = new PhantomGenerator(o).generate(0);
            Volume image = ds.training().get(0).readImage();
            assertSameVolume(image, expected.image());
            assertThat(image.value(0)).isEqualTo(expected.image().value(0));
        }
    }

    @Test
    void theVesselTaskUsesTask08NamesAndLabels() throws IOException {
        MsdDataset ds = PhantomDatasetWriter.write(dir, tiny().withTask(PhantomTask.VESSEL), 1);
        assertThat(ds.task()).isEqualTo(MsdTask.HEPATIC_VESSEL);
        assertThat(ds.labels()).containsEntry(1, "Vessel").containsEntry(2, "Tumour");
        assertThat(ds.training().get(0).image().getFileName().toString()).isEqualTo("hepaticvessel_000.nii.gz");
        assertThat(ds.training().get(0).readLabel().voxels().get(0)).isZero();
    }

    @Test
    void askingForMoreCasesKeepsTheWrittenOnesAndEqualsAFreshRun() throws IOException {
        Path grown = dir.resolve("grown");
        PhantomDatasetWriter.write(grown, tiny(), 2);
        Path first = grown.resolve("imagesTr/liver_000.nii.gz");
        java.nio.file.attribute.FileTime written = java.nio.file.Files.getLastModifiedTime(first);
        java.nio.file.Files.setLastModifiedTime(first, java.nio.file.attribute.FileTime.fromMillis(written.toMillis() - 60_000));
        java.nio.file.attribute.FileTime marked = java.nio.file.Files.getLastModifiedTime(first);
        List<String> reported = new java.util.ArrayList<>();
        MsdDataset ds = PhantomDatasetWriter.write(grown, tiny(), 4, info -> reported.add(info.name()));

        assertThat(ds.training()).hasSize(4);
        assertThat(reported).containsExactly("liver_000", "liver_001", "liver_002", "liver_003");
        assertThat(java.nio.file.Files.getLastModifiedTime(first)).as("case 0 kept, not rewritten").isEqualTo(marked);
        Path fresh = dir.resolve("fresh");
        PhantomDatasetWriter.write(fresh, tiny(), 4);
        for (String f : List.of("imagesTr/liver_000.nii.gz", "labelsTr/liver_001.nii.gz", "imagesTr/liver_003.nii.gz",
                "phantoms.json", "dataset.json")) {
            assertThat(java.nio.file.Files.readAllBytes(grown.resolve(f))).as(f)
                    .isEqualTo(java.nio.file.Files.readAllBytes(fresh.resolve(f)));
        }

        // other options: nothing is kept
        PhantomDatasetWriter.write(grown, tiny().withSeed(12), 1);
        assertThat(java.nio.file.Files.getLastModifiedTime(first)).isNotEqualTo(marked);
    }

    @Test
    void tissueMapsLieOnTheImageGridAndExplainTheLabel() throws IOException {
        PhantomOptions o = tiny().withTumours(0, 3);
        PhantomDatasetWriter.write(dir, o, 2, true, info -> { });

        JsonNode legend = new ObjectMapper().readTree(dir.resolve("tissuesTr/legend.json").toFile());
        List<String> names = PhantomGenerator.tissueNames();
        assertThat(legend.size()).isEqualTo(names.size());
        assertThat(legend.path("0").asText()).isEqualTo("air");
        assertThat(legend.path(Integer.toString(names.indexOf("ivc"))).asText()).isEqualTo("ivc");
        io.liverseg.imaging.nifti.NiftiReader reader = io.liverseg.imaging.nifti.NiftiReader.defaults();
        long tumourVoxels = 0;
        for (String c : List.of("liver_000", "liver_001")) {
            Volume image = reader.readScan(dir.resolve("imagesTr/" + c + ".nii.gz"));
            Volume label = reader.readScan(dir.resolve("labelsTr/" + c + ".nii.gz"));
            Volume tissues = reader.readScan(dir.resolve("tissuesTr/" + c + ".nii.gz"));
            assertThat(tissues.dims()).isEqualTo(image.dims());
            assertThat(tissues.affine().toArray()).containsExactly(image.affine().toArray(), within(1e-6));
            // Task03: liver parenchyma, its vessels and cysts are label 1, tumour label 2, every other tissue 0
            List<String> liver = List.of("liver", "portal_vein", "hepatic_vein", "cyst");
            for (int i = 0; i < label.voxels().size(); i++) {
                String tissue = names.get((int) tissues.voxels().getLong(i));
                long expected = tissue.equals("tumour") ? 2 : liver.contains(tissue) ? 1 : 0;
                assertThat(label.voxels().getLong(i)).as("%s voxel %d (%s)", c, i, tissue).isEqualTo(expected);
            }
            for (int i = 0; i < label.voxels().size(); i++) {
                tumourVoxels += label.voxels().getLong(i) == 2 ? 1 : 0;
            }
        }
        assertThat(tumourVoxels).as("the cases have tumour, so the check above covered label 2").isPositive();

        // the images equal a run without tissue maps
        Path plain = dir.resolve("plain");
        PhantomDatasetWriter.write(plain, o, 2);
        assertThat(Files.readAllBytes(plain.resolve("imagesTr/liver_001.nii.gz")))
                .isEqualTo(Files.readAllBytes(dir.resolve("imagesTr/liver_001.nii.gz")));
        assertThat(Files.exists(plain.resolve("tissuesTr"))).isFalse();
    }

    @Test
    void atLeastOneCaseIsRequired() {
        assertThatThrownBy(() -> PhantomDatasetWriter.write(dir, tiny(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
