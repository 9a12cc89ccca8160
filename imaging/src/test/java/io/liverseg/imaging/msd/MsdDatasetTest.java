package io.liverseg.imaging.msd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MsdDatasetTest {
    @TempDir
    Path dir;

    private static final String TASK03 = """
            {
              "name": "Liver",
              "description": "Liver and tumour segmentation",
              "reference": "https://competitions.codalab.org/competitions/17094",
              "licence": "CC-BY-SA 4.0",
              "release": "1.0 04/05/2018",
              "tensorImageSize": "3D",
              "modality": {"0": "CT"},
              "labels": {"0": "background", "1": "liver", "2": "cancer"},
              "numTraining": 2,
              "numTest": 1,
              "training": [
                {"image": "./imagesTr/liver_0.nii.gz", "label": "./labelsTr/liver_0.nii.gz"},
                {"image": "./imagesTr/liver_1.nii.gz", "label": "./labelsTr/liver_1.nii.gz"}
              ],
              "test": ["./imagesTs/liver_130.nii.gz"]
            }
            """;

    private void touch(String rel) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
    }

    private void json(String text) throws IOException {
        Files.writeString(dir.resolve("dataset.json"), text, StandardCharsets.UTF_8);
    }

    private void task03Files() throws IOException {
        touch("imagesTr/liver_0.nii.gz");
        touch("imagesTr/liver_1.nii.gz");
        touch("labelsTr/liver_0.nii.gz");
        touch("labelsTr/liver_1.nii.gz");
        touch("imagesTs/liver_130.nii.gz");
        // AppleDouble junk as found in the real MSD archives.
        touch("imagesTr/._liver_0.nii.gz");
        touch("labelsTr/._liver_1.nii.gz");
        touch("._dataset.json");
    }

    @Test
    void readsATask03FolderResolvingEveryPath() throws IOException {
        task03Files();
        json(TASK03);
        MsdDataset ds = MsdDataset.open(dir);
        assertThat(ds.name()).isEqualTo("Liver");
        assertThat(ds.description()).startsWith("Liver and tumour");
        assertThat(ds.modality()).containsEntry("0", "CT");
        assertThat(ds.labels()).containsExactly(
                java.util.Map.entry(0, "background"), java.util.Map.entry(1, "liver"), java.util.Map.entry(2, "cancer"));
        assertThat(ds.labelName(2)).isEqualTo("cancer");
        assertThat(ds.task()).isEqualTo(MsdTask.LIVER);
        assertThat(ds.training()).hasSize(2);
        MsdCase c = ds.training().get(1);
        assertThat(c.id()).isEqualTo("liver_1");
        assertThat(c.image()).isEqualTo(dir.toAbsolutePath().normalize().resolve("imagesTr/liver_1.nii.gz"));
        assertThat(c.label()).isEqualTo(dir.toAbsolutePath().normalize().resolve("labelsTr/liver_1.nii.gz"));
        assertThat(ds.test()).containsExactly(dir.toAbsolutePath().normalize().resolve("imagesTs/liver_130.nii.gz"));
    }

    @Test
    void recognisesTheHepaticVesselConvention() throws IOException {
        touch("imagesTr/hepaticvessel_001.nii.gz");
        touch("labelsTr/hepaticvessel_001.nii.gz");
        json("""
                {"name": "HepaticVessel", "labels": {"0": "background", "1": "Vessel", "2": "Tumour"},
                 "numTraining": 1,
                 "training": [{"image": "./imagesTr/hepaticvessel_001.nii.gz",
                               "label": "./labelsTr/hepaticvessel_001.nii.gz"}]}
                """);
        MsdDataset ds = MsdDataset.open(dir);
        assertThat(ds.task()).isEqualTo(MsdTask.HEPATIC_VESSEL);
        assertThat(ds.test()).isEmpty();
        assertThat(ds.description()).isEmpty();
    }

    @Test
    void listingANiftiFolderSkipsMacOsJunk() throws IOException {
        task03Files();
        touch("imagesTr/notes.txt");
        assertThat(MsdDataset.niftiFiles(dir.resolve("imagesTr")))
                .extracting(p -> p.getFileName().toString())
                .containsExactly("liver_0.nii.gz", "liver_1.nii.gz");
        assertThat(MsdDataset.isJunk("._liver_0.nii.gz")).isTrue();
        assertThat(MsdDataset.isJunk("liver_0.nii.gz")).isFalse();
    }

    private MsdException failure(String datasetJson) throws IOException {
        task03Files();
        json(datasetJson);
        try {
            MsdDataset.open(dir);
        } catch (MsdException e) {
            return e;
        }
        throw new AssertionError("expected an MsdException for " + datasetJson);
    }

    @Test
    void aMissingFolderOrDatasetJsonIsReported() throws IOException {
        assertThatThrownBy(() -> MsdDataset.open(dir.resolve("nope")))
                .isInstanceOf(MsdException.class).hasMessageContaining("not a directory");
        MsdException e = org.junit.jupiter.api.Assertions.assertThrows(MsdException.class, () -> MsdDataset.open(dir));
        assertThat(e.file()).isEqualTo(dir.resolve("dataset.json"));
        assertThat(e.field()).isNull();
        assertThat(e).hasMessageContaining("dataset.json").hasMessageContaining("missing");
    }

    @Test
    void invalidJsonNamesTheFile() throws IOException {
        MsdException e = failure("{\"name\": \"Liver\", \"labels\": {");
        assertThat(e.file()).isEqualTo(dir.resolve("dataset.json"));
        assertThat(e).hasMessageContaining("not valid JSON");
        assertThat(failure("[1, 2]")).hasMessageContaining("not a JSON object");
    }

    @Test
    void badFieldsAreNamed() throws IOException {
        assertThat(failure(TASK03.replace("\"labels\"", "\"labelz\"")).field()).isEqualTo("labels");
        assertThat(failure(TASK03.replace("\"1\": \"liver\"", "\"one\": \"liver\"")).field()).isEqualTo("labels.one");
        assertThat(failure(TASK03.replace("\"0\": \"background\", ", "")).field()).isEqualTo("labels");
        assertThat(failure("{\"labels\": {\"0\": \"background\"}, \"training\": \"all\"}").field())
                .isEqualTo("training");
        assertThat(failure(TASK03.replace("\"training\"", "\"trainingSet\"")).field()).isEqualTo("training");
        assertThat(failure(TASK03.replace("\"label\": \"./labelsTr/liver_1.nii.gz\"", "\"lbl\": \"x\"")).field())
                .isEqualTo("training[1].label");
        assertThat(failure(TASK03.replace("\"numTraining\": 2", "\"numTraining\": 131")))
                .hasMessageContaining("numTraining").hasMessageContaining("131");
        assertThat(failure(TASK03.replace("\"numTest\": 1", "\"numTest\": \"one\"")).field()).isEqualTo("numTest");
        assertThat(failure(TASK03.replace("\"name\": \"Liver\"", "\"name\": 3")).field()).isEqualTo("name");
    }

    @Test
    void aReferencedFileThatIsMissingIsNamedWithItsField() throws IOException {
        MsdException e = failure(TASK03.replace("./imagesTr/liver_1.nii.gz", "./imagesTr/liver_9.nii.gz"));
        assertThat(e.field()).isEqualTo("training[1].image");
        assertThat(e.file()).isEqualTo(dir.toAbsolutePath().normalize().resolve("imagesTr/liver_9.nii.gz"));
        assertThat(e).hasMessageContaining("liver_9.nii.gz").hasMessageContaining("does not exist");

        assertThat(failure(TASK03.replace("./imagesTs/liver_130.nii.gz", "./imagesTs/liver_131.nii.gz")).field())
                .isEqualTo("test[0]");
    }

    @Test
    void anAppleDoubleTwinDoesNotStandInForAMissingFile() throws IOException {
        task03Files();
        json(TASK03);
        Files.delete(dir.resolve("labelsTr/liver_1.nii.gz")); // labelsTr/._liver_1.nii.gz is still there
        MsdException e = org.junit.jupiter.api.Assertions.assertThrows(MsdException.class, () -> MsdDataset.open(dir));
        assertThat(e.field()).isEqualTo("training[1].label");
    }

    @Test
    void pathsMayNotLeaveTheFolder() throws IOException {
        MsdException e = failure(TASK03.replace("./imagesTr/liver_0.nii.gz", "../../etc/passwd"));
        assertThat(e.field()).isEqualTo("training[0].image");
        assertThat(e).hasMessageContaining("outside the dataset folder");
    }
}
