package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.msd.PhantomDatasetWriter;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.phantom.PhantomOptions;
import io.liverseg.imaging.phantom.PhantomTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train → predict → evaluate through the command line on tiny phantoms (the contract, not accuracy). */
class ModelCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path data;
    static Path model;

    @BeforeAll
    static void trainTinyModel() throws IOException {
        data = dir.resolve("data");
        PhantomDatasetWriter.write(data, PhantomOptions.defaults().withSize(32).withSlices(6, 8).withSeed(4)
                .withOrientations("LPS", "RAS"), 3, true, info -> { });
        model = dir.resolve("model");
        LiversegCliTest.Run r = LiversegCliTest.run("train", "--data", data.toString(), "--out", model.toString(),
                "--size", "32", "--base", "4", "--levels", "3", "--epochs", "1", "--batch", "4",
                "--slices-per-epoch", "8", "--device", "cpu");
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        assertThat(r.out()).contains("epoch 1/1 done").contains("validation Dice liver");
    }

    @Test
    void trainWritesACompletePackage() throws IOException {
        JsonNode m = JSON.readTree(model.resolve("model.json").toFile());
        assertThat(m.get("format").asText()).isEqualTo("liverseg-model/1");
        assertThat(m.get("class_names")).extracting(JsonNode::asText).containsExactly("background", "liver", "tumour");
        assertThat(m.get("architecture").get("base_features").asInt()).isEqualTo(4);
        assertThat(m.get("preprocessing").get("target_size").asInt()).isEqualTo(32);
        assertThat(m.get("training").get("dataset_fingerprint").asText()).startsWith("sha256:");
        assertThat(m.get("metrics").get("validation_dice").has("tumour")).isTrue();
        assertThat(model.resolve(m.get("parameters").get("file").asText())).exists();
    }

    @Test
    void predictWritesAMaskOnTheInputGridAndReportsVolumes() throws IOException {
        for (String name : new String[] {"liver_000", "liver_001", "liver_002"}) {
            Path in = data.resolve("imagesTr/" + name + ".nii.gz");
            Path out = dir.resolve(name + "-mask.nii.gz");
            LiversegCliTest.Run r = LiversegCliTest.run("predict", "--model", model.toString(), in.toString(),
                    "-o", out.toString(), "--json", "--device", "cpu");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode o = JSON.readTree(r.out());
            assertThat(o.get("labels")).extracting(l -> l.get("name").asText()).containsExactly("liver", "tumour");
            assertThat(o.get("labels").get(0).get("volume_ml").isNumber()).isTrue();
            assertThat(o.get("timings_ms").get("total_ms").asLong()).isNotNegative();
            assertThat(o.get("model").get("name").asText()).isEqualTo("liver");
            Volume image = NiftiReader.defaults().readScan(in);
            Volume mask = NiftiReader.defaults().readScan(out);
            assertThat(mask.dims()).containsExactly(image.dims());
            assertThat(mask.affine()).as(name + " affine").isEqualTo(image.affine());
            assertThat(NiftiReader.defaults().readHeader(out).orientation())
                    .isEqualTo(NiftiReader.defaults().readHeader(in).orientation());
            // a label map viewers recognise, with its legend
            assertThat(NiftiReader.defaults().readHeader(out).intentCode())
                    .isEqualTo(io.liverseg.model.predict.MaskHeaders.NIFTI_INTENT_LABEL);
            assertThat(NiftiReader.defaults().readHeader(out).descrip()).startsWith("liverseg liver v")
                    .endsWith(": 1 liver, 2 tumour");
        }
    }

    @Test
    void predictWritesTheAttentionMapsOnTheInputGridBesideAnUnchangedMask() throws IOException {
        for (String name : new String[] {"liver_000", "liver_001"}) {
            Path in = data.resolve("imagesTr/" + name + ".nii.gz");
            Path plain = dir.resolve(name + "-att-plain.nii.gz");
            Path mask = dir.resolve(name + "-att-mask.nii.gz");
            Path maps = dir.resolve(name + "-attention.nii.gz");
            LiversegCliTest.Run p = LiversegCliTest.run("predict", "--model", model.toString(), in.toString(), "-o",
                    plain.toString(), "--device", "cpu");
            LiversegCliTest.Run r = LiversegCliTest.run("predict", "--model", model.toString(), in.toString(), "-o",
                    mask.toString(), "--attention", maps.toString(), "--json", "--device", "cpu");
            assertThat(p.exit()).as(p.err()).isZero();
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode o = JSON.readTree(r.out());
            assertThat(o.get("attention").asText()).isEqualTo(maps.toString());
            assertThat(o.get("timings_ms").get("attention_ms").asLong()).isNotNegative();

            Volume image = NiftiReader.defaults().readScan(in);
            Volume att = NiftiReader.defaults().readVolume(maps);
            // --levels 3: two gates, at 32 and 16 px
            assertThat(att.dims()).containsExactly(image.nx(), image.ny(), image.nz(), 2);
            assertThat(att.affine()).as(name + " affine").isEqualTo(image.affine());
            assertThat(att.slope()).isCloseTo(1.0 / 255, org.assertj.core.data.Offset.offset(1e-9));
            io.liverseg.imaging.nifti.NiftiHeader h = NiftiReader.defaults().readHeader(maps);
            assertThat(h.intentName()).isEqualTo("attention");
            assertThat(h.descrip()).isEqualTo("liverseg attention gates, finest first: 32,16 px");
            assertThat(h.orientation()).isEqualTo(NiftiReader.defaults().readHeader(in).orientation());
            assertThat(NiftiReader.defaults().readScan(mask).voxels()).as("the mask does not change")
                    .isEqualTo(NiftiReader.defaults().readScan(plain).voxels());
        }
    }

    @Test
    void predictWithShiftAugmentationSaysSoAndKeepsTheInputGrid() throws IOException {
        Path in = data.resolve("imagesTr/liver_000.nii.gz");
        Path plain = dir.resolve("plain-mask.nii.gz");
        Path shifted = dir.resolve("shift-mask.nii.gz");
        LiversegCliTest.Run p = LiversegCliTest.run("predict", "--model", model.toString(), in.toString(), "-o",
                plain.toString(), "--json", "--device", "cpu");
        LiversegCliTest.Run s = LiversegCliTest.run("predict", "--model", model.toString(), in.toString(), "-o",
                shifted.toString(), "--json", "--device", "cpu", "--tta", "shift");
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(s.exit()).as(s.err()).isZero();
        assertThat(JSON.readTree(p.out()).get("augmentation").asText()).isEqualTo("none");
        assertThat(JSON.readTree(s.out()).get("augmentation").asText()).isEqualTo("shift");
        Volume image = NiftiReader.defaults().readScan(in);
        Volume mask = NiftiReader.defaults().readScan(shifted);
        assertThat(mask.dims()).containsExactly(image.dims());
        assertThat(mask.affine()).isEqualTo(image.affine());
        // five passes averaged: not the plain pass's mask voxel for voxel
        assertThat(mask.voxels().byteArray()).isNotEqualTo(NiftiReader.defaults().readScan(plain).voxels().byteArray());
    }

    @Test
    void evaluateReportsPerCaseMeanAndGlobalDiceByClassName() throws IOException {
        LiversegCliTest.Run r = LiversegCliTest.run("evaluate", "--model", model.toString(),
                "--images", data.resolve("imagesTr").toString(), "--labels", data.resolve("labelsTr").toString(),
                "--json", "--device", "cpu");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("cases")).hasSize(3);
        JsonNode first = o.get("cases").get(0);
        assertThat(first.get("case").asText()).isEqualTo("liver_000");
        assertThat(first.get("dice").get("liver").asDouble()).isBetween(0.0, 1.0);
        assertThat(first.get("volume_ml").get("liver").get("reference").asDouble()).isPositive();
        double mean = 0;
        for (JsonNode c : o.get("cases")) {
            mean += c.get("dice").get("liver").asDouble() / 3;
        }
        assertThat(o.get("mean_dice").get("liver").asDouble()).isCloseTo(mean, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(o.get("global_dice").has("tumour")).isTrue();
    }

    @Test
    void evaluateWithTissueMapsSplitsEveryWrongVoxelByTissue() throws IOException {
        LiversegCliTest.Run r = LiversegCliTest.run("evaluate", "--model", model.toString(),
                "--images", data.resolve("imagesTr").toString(), "--labels", data.resolve("labelsTr").toString(),
                "--tissues", data.resolve("tissuesTr").toString(), "--json", "--device", "cpu");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        List<String> liverTissues = List.of("liver", "portal_vein", "hepatic_vein", "cyst");
        for (JsonNode c : o.get("cases")) {
            JsonNode liver = c.get("errors_by_tissue_ml").get("liver");
            double predicted = c.get("volume_ml").get("liver").get("predicted").asDouble();
            double reference = c.get("volume_ml").get("liver").get("reference").asDouble();
            double overlap = c.get("dice").get("liver").asDouble() * (predicted + reference) / 2;
            // every wrong voxel is counted once, under some tissue
            assertThat(sum(liver.get("false_positive"))).as(c.get("case").asText())
                    .isCloseTo(predicted - overlap, within(1e-6));
            assertThat(sum(liver.get("false_negative"))).isCloseTo(reference - overlap, within(1e-6));
            // a missed liver voxel lies in a tissue the Task03 label calls liver
            liver.get("false_negative").fieldNames().forEachRemaining(t -> assertThat(liverTissues).contains(t));
        }
        assertThat(o.get("errors_by_tissue_ml").get("liver").has("false_positive")).isTrue();

        LiversegCliTest.Run text = LiversegCliTest.run("evaluate", "--model", model.toString(),
                "--images", data.resolve("imagesTr").toString(), "--labels", data.resolve("labelsTr").toString(),
                "--tissues", data.resolve("tissuesTr").toString(), "--device", "cpu");
        assertThat(text.out()).contains("liver false positive: ").contains("liver false negative: ");
    }

    @Test
    void evaluateRefusesATissueFolderWithoutItsLegend() throws IOException {
        Path noLegend = Files.createDirectories(dir.resolve("no-legend"));
        LiversegCliTest.Run r = LiversegCliTest.run("evaluate", "--model", model.toString(),
                "--images", data.resolve("imagesTr").toString(), "--labels", data.resolve("labelsTr").toString(),
                "--tissues", noLegend.toString(), "--device", "cpu");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("legend.json");
    }

    private static double sum(JsonNode byTissue) {
        double s = 0;
        for (JsonNode v : byTissue) {
            s += v.asDouble();
        }
        return s;
    }

    @Test
    void aTask08FolderTrainsAVesselModelWithItsClassesAndNoLiverPostprocessing() throws IOException {
        Path vesselData = dir.resolve("vessel-data");
        PhantomDatasetWriter.write(vesselData, PhantomOptions.defaults().withTask(PhantomTask.VESSEL).withSize(32)
                .withSlices(6, 8).withSeed(5), 2);
        Path vesselModel = dir.resolve("vessel-model");
        LiversegCliTest.Run r = LiversegCliTest.run("train", "--data", vesselData.toString(), "--out", vesselModel.toString(),
                "--size", "32", "--levels", "3", "--epochs", "1", "--batch", "4", "--slices-per-epoch", "4", "--device", "cpu");
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        JsonNode m = JSON.readTree(vesselModel.resolve("model.json").toFile());
        assertThat(m.get("name").asText()).isEqualTo("vessel");
        assertThat(m.get("class_names")).extracting(JsonNode::asText).containsExactly("background", "vessel", "tumour");
        assertThat(m.get("architecture").get("base_features").asInt()).as("the design's vessel default").isEqualTo(16);
        assertThat(m.get("postprocessing").get("type").asText()).isEqualTo("none");
    }

    @Test
    void aThreeSliceModelFineTunesFromTheSingleSlicePackageAndPredictsOnTheInputGrid() throws IOException {
        Path three = dir.resolve("model-3ch");
        LiversegCliTest.Run r = LiversegCliTest.run("train", "--data", data.toString(), "--out", three.toString(),
                "--init-from", model.toString(), "--channels", "3", "--model-version", "2",
                "--size", "32", "--base", "4", "--levels", "3", "--epochs", "1", "--batch", "4",
                "--slices-per-epoch", "8", "--device", "cpu");
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        JsonNode m = JSON.readTree(three.resolve("model.json").toFile());
        assertThat(m.get("architecture").get("input_channels").asInt()).isEqualTo(3);
        assertThat(m.get("preprocessing").get("channels").asInt()).isEqualTo(3);
        assertThat(m.get("parent_version").asText()).isEqualTo("1");

        Path in = data.resolve("imagesTr/liver_001.nii.gz");
        Path out = dir.resolve("liver_001-3ch-mask.nii.gz");
        LiversegCliTest.Run p = LiversegCliTest.run("predict", "--model", three.toString(), in.toString(),
                "-o", out.toString(), "--device", "cpu");
        assertThat(p.exit()).as(p.err()).isZero();
        Volume image = NiftiReader.defaults().readScan(in);
        Volume mask = NiftiReader.defaults().readScan(out);
        assertThat(mask.dims()).containsExactly(image.dims());
        assertThat(mask.affine()).isEqualTo(image.affine());

        LiversegCliTest.Run bad = LiversegCliTest.run("train", "--data", data.toString(), "--out",
                dir.resolve("model-bad").toString(), "--init-from", model.toString(), "--channels", "3", "--base", "8",
                "--size", "32", "--levels", "3", "--epochs", "1", "--device", "cpu");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("only 1 → 3 input channels may differ");
    }

    @Test
    void averageWritesAPackageFromEpochCheckpointsAndPackagesThatEvaluates() throws IOException {
        Path epoch = model.resolve("checkpoint/epoch001-0000.params");
        assertThat(epoch).as("train keeps every epoch's weights").exists();
        Path soup = dir.resolve("model-avg");
        LiversegCliTest.Run r = LiversegCliTest.run("average", "--like", model.toString(), "--out", soup.toString(),
                "--model-version", "9", epoch.toString(), model.toString());
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        assertThat(r.out()).contains("the mean of 2 weight file(s)");
        JsonNode m = JSON.readTree(soup.resolve("model.json").toFile());
        assertThat(m.get("version").asText()).isEqualTo("9");
        assertThat(m.get("parent_version").asText()).as("--like's version").isEqualTo("1");
        assertThat(m.get("training").get("config").get("weight_average")).extracting(n -> n.get("file").asText())
                .containsExactly("epoch001-0000.params", "unet-0000.params");
        assertThat(m.has("metrics")).as("not validated: no metrics").isFalse();

        LiversegCliTest.Run e = LiversegCliTest.run("evaluate", "--model", soup.toString(), "--images",
                data.resolve("imagesTr").toString(), "--labels", data.resolve("labelsTr").toString(), "--json", "--device", "cpu");
        assertThat(e.exit()).as(e.err()).isZero();
        assertThat(JSON.readTree(e.out()).get("mean_dice").has("liver")).isTrue();

        LiversegCliTest.Run bad = LiversegCliTest.run("average", "--like", model.toString(), "--out",
                dir.resolve("model-avg-bad").toString(), "--model-version", "9", data.resolve("dataset.json").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("dataset.json").contains("not a DJL parameter file");
    }

    /** A label given as the scan (0, 1, 2: not CT in HU) is refused with exit 2, and no mask is written. */
    @Test
    void predictRefusesAnImageThatIsNotCtAndWritesNoMask() {
        Path out = dir.resolve("label-mask.nii.gz");
        LiversegCliTest.Run r = LiversegCliTest.run("predict", "--model", model.toString(),
                data.resolve("labelsTr/liver_000.nii.gz").toString(), "-o", out.toString(), "--device", "cpu");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("liver_000.nii.gz: NIfTI field 'data': the intensities are not CT Hounsfield"
                + " units");
        assertThat(out).doesNotExist();
    }

    @Test
    void aMissingPackageIsABadInputExit() {
        LiversegCliTest.Run r = LiversegCliTest.run("predict", "--model", dir.resolve("nope").toString(),
                data.resolve("imagesTr/liver_000.nii.gz").toString(), "-o", dir.resolve("x.nii.gz").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("model.json");
    }
}
