package io.liverseg.cli;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.nifti.NiftiExtension;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiImage;
import io.liverseg.imaging.nifti.NiftiReader;
import java.io.PrintWriter;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code liverseg nifti info}: a NIfTI header as a person reads it, or as one JSON object. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show a NIfTI-1/NIfTI-2 header, the affine the reader uses, orientation and the CRC-32 of the raw voxels.",
            "A file that is not valid NIfTI: exit code 2 and one line on stderr naming the file and field."})
final class NiftiInfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = ".nii, .nii.gz, .hdr/.img (also gzipped)")
    Path file;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        NiftiImage image = NiftiReader.defaults().read(file);
        Map<String, Object> info = describe(image);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(info));
        } else {
            printHuman(out, image);
        }
        out.flush();
        return 0;
    }

    /** The JSON contract of {@code nifti info --json}. */
    static Map<String, Object> describe(NiftiImage image) {
        NiftiHeader h = image.header();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("version", h.version());
        o.put("endianness", h.byteOrder() == ByteOrder.BIG_ENDIAN ? "big" : "little");
        o.put("sizeof_hdr", h.sizeofHdr());
        o.put("magic", h.magic());
        o.put("dim", h.dim());
        o.put("datatype", h.datatype());
        o.put("datatype_name", DataType.fromNiftiCode(h.datatype()).map(Enum::name).orElse("unsupported"));
        o.put("bitpix", h.bitpix());
        o.put("pixdim", h.pixdim());
        o.put("vox_offset", h.voxOffset());
        o.put("scl_slope", h.sclSlope());
        o.put("scl_inter", h.sclInter());
        o.put("qform_code", h.qformCode());
        o.put("sform_code", h.sformCode());
        o.put("affine", h.affine().toRows());
        o.put("orientation", h.orientation());
        o.put("spacing", h.affine().spacing());
        o.put("descrip", h.descrip());
        List<Map<String, Object>> ext = new ArrayList<>();
        for (NiftiExtension e : h.extensions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("code", e.code());
            m.put("size", e.esize()); // esize as on disk: 8 header bytes + padded content
            m.put("text", e.code() == NiftiExtension.ECODE_COMMENT ? e.text() : null);
            ext.add(m);
        }
        o.put("extensions", ext);
        o.put("crc32", image.voxelCrc32());
        return o;
    }

    private void printHuman(PrintWriter out, NiftiImage image) {
        NiftiHeader h = image.header();
        out.printf("file          %s%n", file);
        out.printf("format        NIfTI-%d, %s endian, %s%n", h.version(),
                h.byteOrder() == ByteOrder.BIG_ENDIAN ? "big" : "little", h.isSingleFile() ? "single file" : "header/image pair");
        out.printf("dim           %s%n", Arrays.toString(h.dim()));
        out.printf("datatype      %d (%s), %d bits%n", h.datatype(),
                DataType.fromNiftiCode(h.datatype()).map(Enum::name).orElse("unsupported"), h.bitpix());
        out.printf("pixdim        %s%n", Arrays.toString(h.pixdim()));
        double[] sp = h.affine().spacing();
        out.printf("spacing       %.4g × %.4g × %.4g mm%n", sp[0], sp[1], sp[2]);
        out.printf("scaling       %s%n", h.sclSlope() == 0 ? "none (scl_slope 0)"
                : "value = raw × " + h.sclSlope() + " + " + h.sclInter());
        out.printf("qform_code    %d%n", h.qformCode());
        out.printf("sform_code    %d%n", h.sformCode());
        out.printf("affine        (from %s)%n", h.sformCode() > 0 ? "sform" : h.qformCode() > 0 ? "qform" : "pixdim");
        Affine a = h.affine();
        for (int r = 0; r < 4; r++) {
            out.printf("              %12.6f %12.6f %12.6f %12.6f%n", a.get(r, 0), a.get(r, 1), a.get(r, 2), a.get(r, 3));
        }
        out.printf("orientation   %s%n", h.orientation());
        out.printf("vox_offset    %d%n", h.voxOffset());
        out.printf("descrip       %s%n", h.descrip());
        out.printf("extensions    %d%s%n", h.extensions().size(), h.extensions().isEmpty() ? ""
                : " " + h.extensions().stream().map(e -> "{code " + e.code() + ", esize " + e.esize() + "}").toList());
        out.printf("crc32         %d (raw voxel bytes as stored)%n", image.voxelCrc32());
    }
}
