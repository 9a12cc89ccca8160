package io.liverseg.imaging.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.File;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files this writer makes are accepted by an independent implementation: Debian's {@code nifti_tool}
 * (package nifti-bin, built on nifti_clib) checks the header ({@code -check_hdr}, {@code -check_nim}) and
 * its {@code -disp_nim} dump agrees with what was written. Skipped when nifti_tool is not on PATH.
 */
class NiftiToolInteropTest {
    /** A rotated, anisotropic, left-handed grid, as an oblique CT acquisition gives. */
    private static final Affine OBLIQUE = Qform.toAffine(0.1, -0.2, 0.05, 117.8, -35.7, -7.2, 0.7, 0.8, 2.5, -1);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"le-nifti1.nii", "le-nifti1.nii.gz", "be-nifti1.nii", "le-nifti1.hdr",
        "le-nifti1.hdr.gz", "le-nifti2.nii", "be-nifti2.nii.gz", "le-nifti2.hdr"})
    void niftiToolAcceptsWrittenFileAndReadsTheSameImage(String name) throws Exception {
        assumeTrue(onPath("nifti_tool"), "nifti_tool is not on PATH (Debian package nifti-bin): "
                + "skipping the check of written files by an independent NIfTI implementation");
        ByteOrder order = name.startsWith("be") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int version = name.contains("nifti2") ? 2 : 1;
        int[] dims = {9, 7, 5, 2};
        Voxels x = Voxels.allocate(DataType.INT16, 9 * 7 * 5 * 2);
        for (int i = 0; i < x.size(); i++) {
            x.set(i, i - 300);
        }
        Volume v = new Volume(dims, x, OBLIQUE, 0.25, -1024);
        NiftiHeader h = NiftiHeader.forVolume(v).toBuilder().version(version).byteOrder(order)
                .descrip("liverseg interop").xyztUnits(10)
                .extensions(List.of(NiftiExtension.ofText(6, "written by liverseg"))).build();
        Path p = tmp.resolve(name);
        NiftiWriter.write(new NiftiImage(h, v, 0), p);

        if (version == 1) {
            assertThat(run("-check_hdr", "-infiles", p.toString())).contains("header IS GOOD");
            assertThat(run("-check_nim", "-infiles", p.toString())).contains("nifti_image IS GOOD");
        } else {
            // nifti_tool 3.0.1's -check_hdr/-check_nim only know NIfTI-1 (they reject nibabel's own
            // example_nifti2.nii.gz too), so NIfTI-2 is checked through its NIfTI-2 header dump
            // (-disp_hdr2 shows a big-endian header unswapped; -disp_nim below swaps)
            boolean be = order == ByteOrder.BIG_ENDIAN;
            long voxOffset = name.contains(".hdr") ? 0 : 576;
            Map<String, String> hdr2 = parseDisp(run("-disp_hdr2", "-infiles", p.toString()));
            assertThat(hdr2.get("sizeof_hdr")).isEqualTo(String.valueOf(be ? Integer.reverseBytes(540) : 540));
            assertThat(hdr2.get("magic")).isEqualTo(name.contains(".hdr") ? "ni2" : "n+2");
            assertThat(hdr2.get("vox_offset")).isEqualTo(String.valueOf(be ? Long.reverseBytes(voxOffset) : voxOffset));
        }
        Map<String, String> nim = parseDisp(run("-disp_nim", "-infiles", p.toString()));
        assertThat(nim.get("dim")).isEqualTo("4 9 7 5 2 1 1 1");
        assertThat(nim.get("datatype")).isEqualTo("4");
        assertThat(Double.parseDouble(nim.get("scl_slope"))).isEqualTo(0.25);
        assertThat(Double.parseDouble(nim.get("scl_inter"))).isEqualTo(-1024);
        assertThat(nim.get("qform_code")).isEqualTo("1");
        assertThat(nim.get("sform_code")).isEqualTo("2");
        // nifti_clib sizes a pair header's extension space by the file size, so it never finds extensions
        // in a gzipped .hdr (checked with a hand-made file too); our reader does
        assertThat(nim.get("num_ext")).isEqualTo(name.endsWith(".hdr.gz") ? "0" : "1");
        assertThat(nim.get("descrip")).isEqualTo("liverseg interop");
        assertThat(nim.get("byteorder")).isEqualTo(order == ByteOrder.BIG_ENDIAN ? "2" : "1");
        double[] sto = Arrays.stream(nim.get("sto_xyz").split("\\s+")).mapToDouble(Double::parseDouble).toArray();
        double[] qto = Arrays.stream(nim.get("qto_xyz").split("\\s+")).mapToDouble(Double::parseDouble).toArray();
        double[] expected = OBLIQUE.toArray();
        for (int i = 0; i < 16; i++) {
            // nifti_tool prints with limited digits; NIfTI-1 stores floats
            assertThat(sto[i]).as("sto_xyz[%d]", i).isCloseTo(expected[i], within(1e-4 * Math.max(1, Math.abs(expected[i]))));
        }
        for (int i = 0; i < 16; i++) {
            assertThat(qto[i]).as("qto_xyz[%d]", i).isCloseTo(expected[i], within(1e-4 * Math.max(1, Math.abs(expected[i]))));
        }
        // and the voxel values nifti_tool reads agree with ours
        // (raw stored values of voxel (8, 6, 4) over time: index 8 + 9 * (6 + 7 * 4) = 314, then 314 + 315)
        String values = run("-disp_ci", "8", "6", "4", "-1", "0", "0", "0", "-infiles", p.toString(), "-quiet");
        assertThat(values.trim().split("\\s+")).containsExactly("14", "329");
    }

    private static Map<String, String> parseDisp(String out) {
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] parts = line.trim().split("\\s+", 4);
            if (parts.length == 4 && parts[1].matches("\\d+") && parts[2].matches("\\d+")) {
                m.put(parts[0], parts[3].trim());
            }
        }
        return m;
    }

    private static String run(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "nifti_tool";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(proc.waitFor(60, TimeUnit.SECONDS)).as("nifti_tool finished").isTrue();
        assertThat(proc.exitValue()).as("nifti_tool exit status, output:%n%s", out).isZero();
        return out;
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }
}
