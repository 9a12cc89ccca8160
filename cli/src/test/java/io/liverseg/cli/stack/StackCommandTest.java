package io.liverseg.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class StackCommandTest {

    @Test
    void reportLineShowsForegroundVolumesDiceAndUploadToMaskTime() throws Exception {
        String json = """
                {"scan_id":"x","tasks":{"liver":{"model_version":"2",
                 "volumes":[{"label":0,"name":"background","volume_ml":9000.0},
                            {"label":1,"name":"liver","volume_ml":1342.44},
                            {"label":2,"name":"tumour","volume_ml":17.61}],
                 "dice":{"liver":0.8994,"tumour":0.5},
                 "timings_ms":{"upload_to_mask":18012}}}}
                """;
        StringWriter text = new StringWriter();

        StackCommand.printReport(new ObjectMapper().readTree(json), 19.4, new PrintWriter(text, true));

        assertThat(text.toString()).contains("report liver (model 2): liver 1342.4 mL tumour 17.6 mL; "
                + "Dice liver 0.899; Dice tumour 0.500; 18.0 s from upload to mask")
                .doesNotContain("background")
                .contains("demo done in 19.4 s");
    }
}
