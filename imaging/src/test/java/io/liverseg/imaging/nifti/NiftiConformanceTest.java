package io.liverseg.imaging.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liverseg.imaging.Affine;
import io.liverseg.imaging.DataType;
import io.liverseg.imaging.Volume;
import io.liverseg.imaging.Voxels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Conformance against the shared NIfTI test vectors (nibabel and nifti-rs files, see
 * {@code shared/data/nifti/facts.md}): every value of {@code computed_facts.jsonl}, and the values the
 * source projects' own tests assert, file by file. Skipped when the shared folder is absent.
 */
class NiftiConformanceTest {
    private static final NiftiReader READER = NiftiReader.defaults();

    // ---------------------------------------------------------------- computed_facts.jsonl, every key

    static Stream<Arguments> computedFacts() throws IOException {
        Path dir = SharedNiftiData.dir();
        ObjectMapper json = new ObjectMapper();
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("computed_facts.jsonl"))) {
            if (!line.isBlank()) {
                JsonNode node = json.readTree(line);
                out.add(Arguments.of(node.get("file").asText().replaceFirst("^\\./", ""), node));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("computedFacts")
    void everyComputedFactOfTheFileMatches(String file, JsonNode facts) throws Exception {
        Path p = SharedNiftiData.file(file);
        boolean hasVoxels = facts.has("crc32_raw");
        NiftiImage image = hasVoxels ? READER.read(p) : null;
        NiftiHeader h = hasVoxels ? image.header() : READER.readHeader(p);
        int checked = 0;
        for (Map.Entry<String, JsonNode> f : facts.properties()) {
            String key = f.getKey();
            JsonNode want = f.getValue();
            String what = file + " " + key;
            switch (key) {
                case "file" -> {
                    continue;
                }
                case "endian" -> assertThat(h.byteOrder()).as(what)
                        .isEqualTo(want.asText().equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                case "sizeof_hdr" -> assertThat(h.sizeofHdr()).as(what).isEqualTo(want.asInt());
                case "dim_info" -> assertThat(h.dimInfo()).as(what).isEqualTo(want.asInt());
                case "dim" -> assertThat(h.dim()).as(what).containsExactly(longs(want));
                case "intent_p" -> assertThat(new double[] {h.intentP1(), h.intentP2(), h.intentP3()}).as(what)
                        .containsExactly(doubles(want));
                case "intent_code" -> assertThat(h.intentCode()).as(what).isEqualTo(want.asInt());
                case "datatype" -> assertThat(h.datatype()).as(what).isEqualTo(want.asInt());
                case "bitpix" -> assertThat(h.bitpix()).as(what).isEqualTo(want.asInt());
                case "slice_start" -> assertThat(h.sliceStart()).as(what).isEqualTo(want.asLong());
                case "slice_end" -> assertThat(h.sliceEnd()).as(what).isEqualTo(want.asLong());
                case "slice_code" -> assertThat(h.sliceCode()).as(what).isEqualTo(want.asInt());
                case "xyzt_units" -> assertThat(h.xyztUnits()).as(what).isEqualTo(want.asInt());
                case "pixdim" -> assertThat(h.pixdim()).as(what).containsExactly(doubles(want));
                case "vox_offset" -> assertThat(h.voxOffset()).as(what).isEqualTo(want.asLong());
                case "scl_slope" -> assertThat(h.sclSlope()).as(what).isEqualTo(want.asDouble());
                case "scl_inter" -> assertThat(h.sclInter()).as(what).isEqualTo(want.asDouble());
                case "cal_max" -> assertThat(h.calMax()).as(what).isEqualTo(want.asDouble());
                case "cal_min" -> assertThat(h.calMin()).as(what).isEqualTo(want.asDouble());
                case "slice_duration" -> assertThat(h.sliceDuration()).as(what).isEqualTo(want.asDouble());
                case "toffset" -> assertThat(h.toffset()).as(what).isEqualTo(want.asDouble());
                case "descrip" -> assertThat(h.descrip()).as(what).isEqualTo(want.asText());
                case "aux_file" -> assertThat(h.auxFile()).as(what).isEqualTo(want.asText());
                case "intent_name" -> assertThat(h.intentName()).as(what).isEqualTo(want.asText());
                case "qform_code" -> assertThat(h.qformCode()).as(what).isEqualTo(want.asInt());
                case "sform_code" -> assertThat(h.sformCode()).as(what).isEqualTo(want.asInt());
                case "quatern_bcd" -> assertThat(new double[] {h.quaternB(), h.quaternC(), h.quaternD()}).as(what)
                        .containsExactly(doubles(want));
                case "qoffset_xyz" -> assertThat(new double[] {h.qoffsetX(), h.qoffsetY(), h.qoffsetZ()}).as(what)
                        .containsExactly(doubles(want));
                case "srow_x" -> assertThat(h.srowX()).as(what).containsExactly(doubles(want));
                case "srow_y" -> assertThat(h.srowY()).as(what).containsExactly(doubles(want));
                case "srow_z" -> assertThat(h.srowZ()).as(what).containsExactly(doubles(want));
                case "magic" -> assertThat(h.magic() + "\\0" + (h.version() == 2 ? "\\r\\n\\x1a\\n" : ""))
                        .as(what).isEqualTo(want.asText());
                case "extender" -> {
                    byte[] e = h.extender();
                    assertThat(new int[] {e[0], e[1], e[2], e[3]}).as(what).containsExactly(ints(want));
                }
                case "extensions" -> {
                    assertThat(h.extensions()).as(what).hasSize(want.size());
                    for (int i = 0; i < want.size(); i++) {
                        NiftiExtension e = h.extensions().get(i);
                        JsonNode w = want.get(i);
                        assertThat(e.data().length + 8).as(what + " esize").isEqualTo(w.get("esize").asInt());
                        assertThat(e.code()).as(what + " ecode").isEqualTo(w.get("ecode").asInt());
                        assertThat(new String(e.data(), StandardCharsets.ISO_8859_1)).as(what + " content")
                                .isEqualTo(w.get("head").asText());
                    }
                }
                case "raw_bytes" -> assertThat(image.volume().voxels().byteSize()).as(what).isEqualTo(want.asLong());
                case "crc32_raw" -> assertThat(image.voxelCrc32()).as(what).isEqualTo(want.asLong());
                case "md5_fdata_C" -> assertThat(md5OfScaledFloat64COrder(image.volume())).as(what)
                        .isEqualTo(want.asText());
                case "min" -> assertThat(stats(image.volume()).min).as(what).isEqualTo(want.asDouble(), within(1e-9));
                case "max" -> assertThat(stats(image.volume()).max).as(what).isEqualTo(want.asDouble(), within(1e-9));
                case "sum" -> assertThat(stats(image.volume()).sum).as(what)
                        .isCloseTo(want.asDouble(), within(1e-9 * Math.max(1, Math.abs(want.asDouble()))));
                case "nonzero" -> assertThat(stats(image.volume()).nonzero).as(what).isEqualTo(want.asLong());
                case "uniq" -> assertThat(stats(image.volume()).uniq).as(what).isEqualTo(want.asLong());
                default -> fail("computed fact " + key + " of " + file + " is not checked by this test");
            }
            checked++;
        }
        assertThat(checked).as("facts checked for " + file).isGreaterThan(30);
    }

    // ---------------------------------------------------------------- nibabel files, asserted facts

    @Test
    void standardNiiGzHasNibabelsAssertedHeaderAnd30VoxelsOf255() throws IOException {
        NiftiImage img = READER.read(SharedNiftiData.file("nibabel/standard.nii.gz"));
        NiftiHeader h = img.header();
        assertThat(h.dim()).containsExactly(3, 4, 5, 7, 1, 1, 1, 1);
        assertThat(h.datatype()).isEqualTo(2);
        assertThat(h.bitpix()).isEqualTo(8);
        assertThat(h.pixdim()).containsExactly(1, 1, 3, 2, 1, 1, 1, 1);
        assertThat(h.qformCode()).isZero();
        assertThat(h.sformCode()).isEqualTo(2);
        assertThat(h.srowX()).containsExactly(1, 0, 0, 0);
        assertThat(h.srowY()).containsExactly(0, 3, 0, 0);
        assertThat(h.srowZ()).containsExactly(0, 0, 2, 0);
        assertThat(h.dimInfo()).isZero();
        assertThat(h.xyztUnits()).isZero();
        assertThat(h.calMax()).isZero();
        assertThat(h.descrip()).isEmpty();
        assertThat(h.regular()).isZero();
        assertThat(h.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(h.voxOffset()).isEqualTo(352);
        assertThat(h.sclSlope()).isEqualTo(1);
        assertThat(h.sclInter()).isZero();
        Volume v = img.volume();
        assertThat(v.dims()).containsExactly(4, 5, 7);
        assertThat(v.voxels().type()).isEqualTo(DataType.UINT8);
        assertThat(v.affine()).isEqualTo(Affine.scaling(1, 3, 2));
        long n255 = 0;
        for (int i = 0; i < v.voxels().size(); i++) {
            double x = v.value(i);
            assertThat(x).isIn(0.0, 255.0);
            n255 += x == 255 ? 1 : 0;
        }
        assertThat(n255).isEqualTo(30);
        assertThat(stats(v).sum).isEqualTo(7650);
    }

    @Test
    void example4dNiiGzHasTwoCommentExtensionsObliqueGeometryAndNibLsStats() throws IOException {
        NiftiImage img = READER.read(SharedNiftiData.file("nibabel/example4d.nii.gz"));
        NiftiHeader h = img.header();
        assertThat(h.dim()).containsExactly(4, 128, 96, 24, 2, 1, 1, 1);
        assertThat(h.datatype()).isEqualTo(4);
        assertThat(h.bitpix()).isEqualTo(16);
        assertThat(h.pixdim()).containsExactly(-1, 2, 2, 2.1999990940093994, 2000, 1, 1, 1);
        assertThat(h.dimInfo()).isEqualTo(57);
        assertThat(h.sliceEnd()).isEqualTo(23);
        assertThat(h.xyztUnits()).isEqualTo(10);
        assertThat(h.calMax()).isEqualTo(1162);
        assertThat(h.descrip()).isEqualTo("FSL3.3");
        assertThat(new String(h.descripBytes(), StandardCharsets.ISO_8859_1))
                .startsWith("FSL3.3\0 v2.25 NIfTI-1 Single file format");
        assertThat(h.regular()).isEqualTo('r');
        assertThat(h.qformCode()).isEqualTo(1);
        assertThat(h.sformCode()).isEqualTo(1);
        assertThat(h.quaternB()).isCloseTo(-1.9451068e-26, within(1e-32));
        assertThat(h.quaternC()).isCloseTo(-0.99670851, within(1e-7));
        assertThat(h.quaternD()).isCloseTo(-0.08106874, within(1e-7));
        assertThat(h.qoffsetX()).isCloseTo(117.855103, within(1e-5));
        assertThat(h.qoffsetY()).isCloseTo(-35.722942, within(1e-5));
        assertThat(h.qoffsetZ()).isCloseTo(-7.248798, within(1e-5));
        assertThat(h.srowY()[1]).isCloseTo(1.97371149, within(1e-7));
        assertThat(h.srowY()[2]).isCloseTo(-0.35552824, within(1e-7));
        assertThat(h.srowZ()[1]).isCloseTo(0.32320762, within(1e-7));
        assertThat(h.srowZ()[2]).isCloseTo(2.17108178, within(1e-7));
        // the qform rebuilt with qfac = -1 is the same geometry as the sform
        assertAffineClose(h.qformAffine(), h.sformAffine(), 1e-6);
        assertThat(h.affine()).isEqualTo(h.sformAffine());
        assertThat(h.extensions()).extracting(NiftiExtension::code).containsExactly(6, 6);
        assertThat(h.extensions().get(0).text()).isEqualTo("extcomment1");
        assertThat(h.extensions().get(1).text()).isEqualTo("extlongcomment2");
        int onDisk = 0;
        for (NiftiExtension e : h.extensions()) {
            onDisk += e.data().length + 8;
        }
        assertThat(onDisk % 16).isZero();
        assertThat(h.voxOffset()).isEqualTo(416);
        Volume v = img.volume();
        assertThat(v.dims()).containsExactly(128, 96, 24, 2);
        assertThat(v.voxels().type()).isEqualTo(DataType.INT16);
        assertThat(v.voxels().size()).isEqualTo(589824);
        Stats s = stats(v);
        assertThat(s.nonzero).isEqualTo(229725);
        assertThat(s.minNonzero).isEqualTo(2);
        assertThat(s.max).isEqualTo(1162);
        assertThat(s.uniq - 1).as("distinct nonzero values").isEqualTo(1030);
        assertThat(s.sum).isEqualTo(101985356);
        assertThat(img.voxelCrc32()).isEqualTo(1030030713L);
        assertThat(h.orientation()).isEqualTo(v.orientation()).isEqualTo("LAS");
    }

    @Test
    void exampleNifti2NiiGzReadsAsNifti2WithExtensions() throws IOException {
        NiftiImage img = READER.read(SharedNiftiData.file("nibabel/example_nifti2.nii.gz"));
        NiftiHeader h = img.header();
        assertThat(h.version()).isEqualTo(2);
        assertThat(h.sizeofHdr()).isEqualTo(540);
        assertThat(h.magic()).isEqualTo("n+2");
        assertThat(h.dim()).containsExactly(4, 32, 20, 12, 2, 1, 1, 1);
        assertThat(h.datatype()).isEqualTo(4);
        assertThat(h.voxOffset()).isEqualTo(608);
        assertThat(h.qformCode()).isEqualTo(1);
        assertThat(h.sformCode()).isEqualTo(1);
        assertThat(h.pixdim()).containsExactly(-1, 2, 2, 2.1999990940093994, 2000, 1, 1, 1);
        assertThat(h.quaternC()).isEqualTo(-0.9967085123062134);
        assertThat(h.srowX()).containsExactly(-2.0, 6.714715653593746e-19, 9.081024511081715e-18, 117.8551025390625);
        assertThat(h.extensions()).extracting(NiftiExtension::text).containsExactly("extcomment1", "extlongcomment2");
        assertThat(h.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(img.voxelCrc32()).isEqualTo(3146199124L);
        assertThat(stats(img.volume()).min).isEqualTo(46);
        assertThat(stats(img.volume()).max).isEqualTo(757);
        assertThat(img.volume().dims()).containsExactly(32, 20, 12, 2);
    }

    @Test
    void functionalNiiAppliesSclSlopeAndInterToInt16() throws IOException {
        NiftiImage img = READER.read(SharedNiftiData.file("nibabel/functional.nii"));
        NiftiHeader h = img.header();
        Volume v = img.volume();
        assertThat(h.dim()).containsExactly(4, 17, 21, 3, 20, 1, 1, 1);
        assertThat(h.sclSlope()).isEqualTo(0.07540696859359741);
        assertThat(h.sclInter()).isEqualTo(3100.76171875);
        assertThat(v.voxels().type()).isEqualTo(DataType.INT16);
        assertThat(v.slope()).isEqualTo(0.07540696859359741);
        assertThat(v.inter()).isEqualTo(3100.76171875);
        assertThat(h.qformCode()).isEqualTo(2);
        assertThat(h.sformCode()).isEqualTo(2);
        assertThat(v.affine()).isEqualTo(Affine.of(-4, 0, 0, 32, 0, 4, 0, -40, 0, 0, 8, 0, 0, 0, 0, 1));
        assertAffineClose(h.qformAffine(), h.sformAffine(), 0);
        assertThat(h.calMin()).isEqualTo(629.826171875);
        assertThat(h.calMax()).isEqualTo(5571.62158203125);
        Stats s = stats(v);
        assertThat(s.min).isCloseTo(629.826172, within(1e-6));
        assertThat(s.max).isCloseTo(5571.621859, within(1e-6));
        assertThat(img.voxelCrc32()).isEqualTo(52220217L);
    }

    @Test
    void anatomicalNiiIsBigEndianInt16WithDiagonalAffine() throws IOException {
        NiftiImage img = READER.read(SharedNiftiData.file("nibabel/anatomical.nii"));
        NiftiHeader h = img.header();
        assertThat(h.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(h.dim()).containsExactly(3, 33, 41, 25, 1, 1, 1, 1);
        assertThat(h.datatype()).isEqualTo(4);
        assertThat(h.pixdim()).startsWith(-1, 2, 2, 2);
        assertThat(h.quaternB()).isZero();
        assertThat(h.quaternC()).isEqualTo(1);
        assertThat(h.quaternD()).isZero();
        assertThat(new double[] {h.qoffsetX(), h.qoffsetY(), h.qoffsetZ()}).containsExactly(32, -40, -16);
        Affine expected = Affine.of(-2, 0, 0, 32, 0, 2, 0, -40, 0, 0, 2, -16, 0, 0, 0, 1);
        assertThat(img.volume().affine()).isEqualTo(expected);
        assertAffineClose(h.qformAffine(), expected, 0);
        assertThat(h.descrip()).isEqualTo("spm - 3D normalized");
        assertThat(stats(img.volume()).min).isEqualTo(-610);
        assertThat(stats(img.volume()).max).isEqualTo(30393);
        assertThat(img.voxelCrc32()).isEqualTo(3570325065L);
        assertThat(img.volume().orientation()).isEqualTo("LAS");
        // values are swapped to native order: the first voxel agrees with a big-endian decode of the raw bytes
        assertThat(img.volume().voxels().getLong(0)).isEqualTo(rawBigEndianShort(SharedNiftiData.file(
                "nibabel/anatomical.nii"), 352));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nibabel/nifti1.hdr", "nibabel/nifti2.hdr"})
    void pairHeadersWithoutImageReadAsPairHeaders(String file) throws IOException {
        Path p = SharedNiftiData.file(file);
        NiftiHeader h = READER.readHeader(p);
        boolean two = file.endsWith("2.hdr");
        assertThat(h.version()).isEqualTo(two ? 2 : 1);
        assertThat(h.sizeofHdr()).isEqualTo(two ? 540 : 348);
        assertThat(h.magic()).isEqualTo(two ? "ni2" : "ni1");
        assertThat(h.isSingleFile()).isFalse();
        assertThat(h.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(h.dim()).containsExactly(3, 91, 109, 91, 1, 1, 1, 1);
        assertThat(h.datatype()).isEqualTo(4);
        assertThat(h.pixdim()).startsWith(-1, 2, 2, 2);
        assertThat(h.qformCode()).isEqualTo(4);
        assertThat(h.sformCode()).isEqualTo(4);
        assertThat(h.affine()).isEqualTo(Affine.of(-2, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2, -72, 0, 0, 0, 1));
        assertThat(h.calMax()).isEqualTo(9968);
        assertThat(h.descrip()).isEqualTo("FSL4.0");
        // the .img is not part of the test data: reading voxels names the missing file
        assertThatThrownBy(() -> READER.read(p)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(file.replace(".hdr", ".img").replace("nibabel/", ""));
    }

    // ---------------------------------------------------------------- nifti-rs files, asserted facts

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32",
        "float64"})
    void nifti27VoxelIjkIs9iPlus3jPlusK(String type) throws IOException {
        int[] codes = {256, 2, 4, 512, 8, 768, 1024, 1280, 16, 64};
        List<String> names = List.of("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
                "float32", "float64");
        NiftiImage img = READER.read(SharedNiftiData.file("nifti-rs/27/" + type + ".nii"));
        assertThat(img.header().datatype()).isEqualTo(codes[names.indexOf(type)]);
        Volume v = img.volume();
        assertThat(v.voxels().type().name().toLowerCase()).isEqualTo(type);
        assertThat(v.dims()).containsExactly(3, 3, 3);
        assertThat(img.header().sformCode()).isEqualTo(2);
        assertThat(img.header().qformCode()).isZero();
        assertThat(v.affine()).isEqualTo(Affine.scaling(1, 1, 1));
        assertThat(v.isScaled()).isFalse();
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 3; i++) {
                    assertThat(v.value(i, j, k)).as("v[%d,%d,%d]", i, j, k).isEqualTo(9 * i + 3 * j + k);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nifti-rs/minimal.nii", "nifti-rs/minimal.nii.gz", "nifti-rs/minimal.hdr",
        "nifti-rs/minimal.img"})
    void minimalBigEndianUint8VoxelEqualsJ(String file) throws IOException {
        NiftiImage img = READER.read(SharedNiftiData.file(file));
        NiftiHeader h = img.header();
        boolean pair = !file.contains(".nii");
        assertThat(h.sizeofHdr()).isEqualTo(348);
        assertThat(h.dim()).containsExactly(3, 64, 64, 10, 0, 0, 0, 0);
        assertThat(h.datatype()).isEqualTo(2);
        assertThat(h.bitpix()).isEqualTo(8);
        assertThat(h.pixdim()).containsExactly(0, 3, 3, 3, 0, 0, 0, 0);
        assertThat(h.voxOffset()).isEqualTo(pair ? 0 : 352);
        assertThat(h.sclSlope()).isZero();
        assertThat(h.sclInter()).isZero();
        assertThat(h.qformCode()).isZero();
        assertThat(h.sformCode()).isZero();
        assertThat(h.magic()).isEqualTo(pair ? "ni1" : "n+1");
        assertThat(h.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
        Volume v = img.volume();
        assertThat(v.dims()).containsExactly(64, 64, 10);
        assertThat(v.isScaled()).as("scl_slope 0 means unscaled").isFalse();
        // no qform or sform: NIfTI method 1, diag(pixdim[1..3])
        assertThat(v.affine()).isEqualTo(Affine.scaling(3, 3, 3));
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < 64; j++) {
                for (int i = 0; i < 64; i++) {
                    if (v.value(i, j, k) != j) {
                        fail("v[" + i + "," + j + "," + k + "] = " + v.value(i, j, k) + ", expected " + j);
                    }
                }
            }
        }
        assertThat(img.voxelCrc32()).isEqualTo(293904368L);
    }

    @Test
    void minimalExtendedHdrHasOneHelloWorldExtension() throws IOException {
        NiftiImage img = READER.read(SharedNiftiData.file("nifti-rs/minimal_extended_hdr.nii"));
        NiftiHeader h = img.header();
        assertThat(h.dim()).containsExactly(2, 8, 8, 1, 1, 1, 1, 1);
        assertThat(h.datatype()).isEqualTo(64);
        assertThat(h.voxOffset()).isEqualTo(384);
        assertThat(h.qformCode()).isEqualTo(1);
        assertThat(h.sformCode()).isEqualTo(2);
        assertThat(h.extender()).containsExactly(1, 0, 0, 0);
        assertThat(h.extensions()).hasSize(1);
        assertThat(h.extensions().get(0).code()).isEqualTo(6);
        assertThat(h.extensions().get(0).text()).isEqualTo("Hello World!");
        assertThat(h.extensions().get(0).esize()).isEqualTo(32);
        assertThat(img.volume().dims()).containsExactly(8, 8, 1);
        assertThat(img.volume().voxels().type()).isEqualTo(DataType.FLOAT64);
        assertThat(stats(img.volume()).nonzero).isZero();
    }

    @Test
    void f32NiiGzHasNiftiRsVoxelProbes() throws IOException {
        Volume v = READER.readVolume(SharedNiftiData.file("nifti-rs/f32.nii.gz"));
        assertThat(v.dims()).containsExactly(11, 11, 11);
        assertThat(v.voxels().type()).isEqualTo(DataType.FLOAT32);
        assertThat(v.value(5, 0, 0)).isZero();
        assertThat(v.value(0, 5, 0)).isZero();
        assertThat(v.value(0, 0, 5)).isZero();
        assertThat((float) v.value(5, 0, 4)).isEqualTo(0.4f);
        assertThat((float) v.value(0, 8, 5)).isEqualTo(0.8f);
        assertThat(v.value(5, 5, 5)).isEqualTo(1.0);
    }

    @Test
    void everyFuzzArtifactFailsCleanlyOnSizeofHdr() throws IOException {
        Path dir = SharedNiftiData.dir().resolve("nifti-rs/fuzz_artifacts");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertThat(files).hasSize(5);
        for (Path f : files) {
            assertThatThrownBy(() -> READER.read(f)).as(f.toString())
                    .isExactlyInstanceOf(NiftiException.class)
                    .hasMessageContaining(f.getFileName().toString())
                    .hasMessageContaining("sizeof_hdr")
                    .extracting(e -> ((NiftiException) e).field()).isEqualTo("sizeof_hdr");
        }
    }

    // ---------------------------------------------------------------- helpers

    static void assertAffineClose(Affine actual, Affine expected, double tol) {
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                assertThat(actual.get(r, c)).as("affine[%d][%d] of %s vs %s", r, c, actual, expected)
                        .isCloseTo(expected.get(r, c), within(tol));
            }
        }
    }

    private static long rawBigEndianShort(Path file, int offset) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(offset + 2);
            return ByteBuffer.wrap(b, offset, 2).order(ByteOrder.BIG_ENDIAN).getShort();
        }
    }

    /** md5 of the scaled values as float64, little-endian, in C order (last index fastest), as numpy gives it. */
    static String md5OfScaledFloat64COrder(Volume v) throws Exception {
        int[] d = v.dims();
        int nt = v.nt();
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        ByteBuffer bb = ByteBuffer.allocate(8 * Math.max(1, nt)).order(ByteOrder.LITTLE_ENDIAN);
        int plane = d[0] * d[1] * d[2];
        for (int i = 0; i < d[0]; i++) {
            for (int j = 0; j < d[1]; j++) {
                for (int k = 0; k < d[2]; k++) {
                    bb.clear();
                    for (int t = 0; t < nt; t++) {
                        bb.putDouble(v.value(v.index(i, j, k) + t * plane));
                    }
                    md5.update(bb.array(), 0, 8 * nt);
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : md5.digest()) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    static final class Stats {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double minNonzero = Double.POSITIVE_INFINITY;
        double sum;
        long nonzero;
        long uniq;
    }

    static Stats stats(Volume v) {
        Stats s = new Stats();
        Set<Double> distinct = new HashSet<>();
        Voxels x = v.voxels();
        for (int i = 0; i < x.size(); i++) {
            double val = v.value(i);
            s.min = Math.min(s.min, val);
            s.max = Math.max(s.max, val);
            s.sum += val;
            if (val != 0) {
                s.nonzero++;
                s.minNonzero = Math.min(s.minNonzero, val);
            }
            distinct.add(val);
        }
        s.uniq = distinct.size();
        return s;
    }

    private static long[] longs(JsonNode n) {
        long[] v = new long[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = n.get(i).asLong();
        }
        return v;
    }

    private static int[] ints(JsonNode n) {
        int[] v = new int[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = n.get(i).asInt();
        }
        return v;
    }

    private static double[] doubles(JsonNode n) {
        double[] v = new double[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = n.get(i).asDouble();
        }
        return v;
    }
}
