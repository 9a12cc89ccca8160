package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiReader;
import java.nio.file.Path;

/** The check every mask file of this service must pass, whichever path (streaming or gRPC) wrote it. */
final class MaskFiles {
    private MaskFiles() {
    }

    /**
     * Asserts {@code maskFile} is on {@code input}'s exact grid — dims, affine, sform rows, sform/qform codes, pixdim —
     * as uint8 labels marked as a label map (intent NIFTI_INTENT_LABEL, the legend in descrip), and returns it read.
     */
    static Volume readOnInputGrid(Path input, Path maskFile) throws Exception {
        NiftiReader reader = NiftiReader.defaults();
        NiftiHeader in = reader.readHeader(input);
        NiftiHeader out = reader.readHeader(maskFile);
        assertThat(out.dim()).isEqualTo(in.dim());
        assertThat(out.affine()).isEqualTo(in.affine());
        assertThat(out.srowX()).isEqualTo(in.srowX());
        assertThat(out.srowY()).isEqualTo(in.srowY());
        assertThat(out.srowZ()).isEqualTo(in.srowZ());
        assertThat(out.sformCode()).isEqualTo(in.sformCode());
        assertThat(out.qformCode()).isEqualTo(in.qformCode());
        assertThat(out.pixdim()).isEqualTo(in.pixdim());
        assertThat(out.datatype()).isEqualTo(2); // uint8
        assertThat(out.intentCode()).isEqualTo(io.liverseg.model.predict.MaskHeaders.NIFTI_INTENT_LABEL);
        assertThat(out.descrip()).startsWith("liverseg ").contains(": 1 ");
        return reader.readScan(maskFile);
    }
}
