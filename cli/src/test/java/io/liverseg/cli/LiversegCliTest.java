package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class LiversegCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = LiversegCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Path shared(String relative) {
        String base = System.getProperty("liverseg.shared.dir", "../shared");
        Path p = Path.of(base, "data", "nifti").resolve(relative);
        assumeThat(Files.exists(p)).as("shared conformance data not found at %s", p).isTrue();
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nifti", "nifti info", "phantoms", "stats", "bench", "bench preprocess", "bench pipeline",
        "stack", "train", "predict", "evaluate", "segment", "models", "bench grpc"})
    void everyCommandHasHelp(String command) {
        String[] args = (command.isEmpty() ? "--help" : command + " --help").split(" ");
        Run r = run(args);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage:").contains("--help");
    }

    @Test
    void niftiInfoJsonCarriesTheContractFields() throws IOException {
        Run r = run("nifti", "info", "--json", shared("nibabel/example4d.nii.gz").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("version").asInt()).isEqualTo(1);
        assertThat(o.get("endianness").asText()).isEqualTo("little");
        assertThat(o.get("dim")).hasSize(8);
        assertThat(o.get("dim").get(1).asInt()).isEqualTo(128);
        assertThat(o.get("datatype").asInt()).isEqualTo(4);
        assertThat(o.get("pixdim")).hasSize(8);
        assertThat(o.get("qform_code").asInt()).isEqualTo(1);
        assertThat(o.get("sform_code").asInt()).isEqualTo(1);
        assertThat(o.get("affine")).hasSize(4);
        assertThat(o.get("affine").get(0).get(3).asDouble()).isCloseTo(117.855103, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(o.get("orientation").asText()).isEqualTo("LAS");
        assertThat(o.get("extensions")).hasSize(2);
        assertThat(o.get("extensions").get(0).get("code").asInt()).isEqualTo(6);
        assertThat(o.get("extensions").get(0).get("size").asInt()).isEqualTo(32);
        assertThat(o.get("crc32").asLong()).isEqualTo(1030030713L);
        assertThat(o.get("scl_slope").isNumber()).isTrue();
        assertThat(o.get("scl_inter").isNumber()).isTrue();
    }

    @Test
    void niftiInfoOnNifti2AndBigEndian() throws IOException {
        JsonNode n2 = JSON.readTree(run("nifti", "info", "--json", shared("nibabel/example_nifti2.nii.gz").toString()).out());
        assertThat(n2.get("version").asInt()).isEqualTo(2);
        assertThat(n2.get("crc32").asLong()).isEqualTo(3146199124L);
        JsonNode be = JSON.readTree(run("nifti", "info", "--json", shared("nibabel/anatomical.nii").toString()).out());
        assertThat(be.get("endianness").asText()).isEqualTo("big");
        assertThat(be.get("crc32").asLong()).isEqualTo(3570325065L);
    }

    @Test
    void aBadFileExitsTwoWithOneLineNamingFileAndField() throws IOException {
        Path bad = dir.resolve("not-a-scan.nii");
        Files.write(bad, new byte[400]);
        Run r = run("nifti", "info", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("not-a-scan.nii").contains("sizeof_hdr");
    }

    @Test
    void phantomsThenStatsMeasureTheLiver() throws IOException {
        Path out = dir.resolve("ph");
        Run gen = run("phantoms", "--out", out.toString(), "--cases", "1", "--seed", "5", "--slices", "20..24");
        assertThat(gen.exit()).as(gen.err()).isZero();
        assertThat(out.resolve("dataset.json")).exists();
        Path image = out.resolve("imagesTr/liver_000.nii.gz");
        Path label = out.resolve("labelsTr/liver_000.nii.gz");
        Run stats = run("stats", "--image", image.toString(), "--label", label.toString(), "--json");
        assertThat(stats.exit()).as(stats.err()).isZero();
        JsonNode o = JSON.readTree(stats.out());
        JsonNode labels = o.get("labels");
        assertThat(labels.get(0).get("label").asInt()).isZero();
        JsonNode liver = null;
        for (JsonNode l : labels) {
            if (l.get("label").asInt() == 1) {
                liver = l;
            }
        }
        assertThat(liver).as("liver label present").isNotNull();
        assertThat(liver.get("volume_ml").asDouble()).isPositive();
        assertThat(liver.get("voxels").asLong() * o.get("voxel_volume_mm3").asDouble() / 1000)
                .isCloseTo(liver.get("volume_ml").asDouble(), org.assertj.core.api.Assertions.within(1e-6));
        // the generator's liver parenchyma HU plus its scanner offset; vessels and blur inside the label move it a little
        JsonNode info = JSON.readTree(out.resolve("phantoms.json").toFile()).get("cases").get(0);
        assertThat(liver.get("mean_hu").asDouble())
                .isCloseTo(info.get("liverHu").asDouble() + info.get("huOffset").asDouble(), org.assertj.core.api.Assertions.within(15.0));
        assertThat(liver.get("voxels").asLong()).isEqualTo(info.get("liverVoxels").asLong());
    }

    @Test
    void statsRefusesALabelOffTheImageGrid() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        run("phantoms", "--out", a.toString(), "--cases", "1", "--seed", "1", "--slices", "20..20");
        run("phantoms", "--out", b.toString(), "--cases", "1", "--seed", "2", "--slices", "21..21");
        Run r = run("stats", "--image", a.resolve("imagesTr/liver_000.nii.gz").toString(),
                "--label", b.resolve("labelsTr/liver_000.nii.gz").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("dim");
    }

    @Test
    void phantomsDrawOnlyTheRequestedPhases() throws IOException {
        Path out = dir.resolve("pv");
        Run gen = run("phantoms", "--out", out.toString(), "--cases", "4", "--seed", "3", "--slices", "16..16",
                "--task", "vessel", "--phases", "PORTAL_VENOUS,DELAYED");
        assertThat(gen.exit()).as(gen.err()).isZero();
        JsonNode ph = JSON.readTree(out.resolve("phantoms.json").toFile());
        assertThat(ph.get("options").get("phases")).extracting(JsonNode::asText)
                .containsExactly("PORTAL_VENOUS", "DELAYED");
        assertThat(ph.get("cases")).extracting(c -> c.get("phase").asText())
                .hasSize(4)
                .allMatch(p -> p.equals("PORTAL_VENOUS") || p.equals("DELAYED"));
    }

    @Test
    void phantomsRefuseAnUnknownPhase() {
        Run r = run("phantoms", "--out", dir.resolve("x").toString(), "--phases", "VENOUS");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--phases").contains("VENOUS");
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
