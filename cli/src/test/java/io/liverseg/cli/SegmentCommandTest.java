package io.liverseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.liverseg.proto.events.v1.Geometry;
import io.liverseg.proto.events.v1.LabelVolume;
import io.liverseg.proto.segmentation.v1.Augmentation;
import io.liverseg.proto.segmentation.v1.Champion;
import io.liverseg.proto.segmentation.v1.GetModelRequest;
import io.liverseg.proto.segmentation.v1.ListModelsRequest;
import io.liverseg.proto.segmentation.v1.ListModelsResponse;
import io.liverseg.proto.segmentation.v1.Model;
import io.liverseg.proto.segmentation.v1.ModelTask;
import io.liverseg.proto.segmentation.v1.Progress;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import io.liverseg.proto.segmentation.v1.SegmentReport;
import io.liverseg.proto.segmentation.v1.SegmentRequest;
import io.liverseg.proto.segmentation.v1.SegmentResponse;
import io.liverseg.proto.segmentation.v1.SegmentationGrpc;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code segment} and {@code models} against a gRPC server on a real port that plays the service's part: it checks
 * what the client sends (options first, the file's exact bytes in chunks) and answers as the service does.
 */
class SegmentCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Server server;
    /** The {@code authorization} metadata of the last call the fake server took. */
    private volatile String authorization;
    private final Fake fake = new Fake();

    /** Answers Segment with progress, the "mask" (the upload's bytes reversed) in 1000-byte chunks and a report. */
    static final class Fake extends SegmentationGrpc.SegmentationImplBase {
        volatile SegmentOptions options;
        volatile byte[] received;
        volatile boolean corruptSha;
        volatile boolean corruptAttentionSha;

        @Override
        public StreamObserver<SegmentRequest> segment(StreamObserver<SegmentResponse> out) {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            return new StreamObserver<>() {
                private SegmentOptions o;

                @Override
                public void onNext(SegmentRequest r) {
                    if (o == null) {
                        o = r.getOptions();
                        options = o;
                    } else {
                        file.writeBytes(r.getChunk().toByteArray());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    received = file.toByteArray();
                    if (o.getFileName().startsWith("bad")) {
                        Metadata trailers = new Metadata();
                        trailers.put(SegmentationClient.FIELD, "sizeof_hdr");
                        out.onError(Status.INVALID_ARGUMENT.withDescription(o.getFileName()
                                + ": NIfTI field 'sizeof_hdr': 0, expected 348 or 540").asRuntimeException(trailers));
                        return;
                    }
                    if (o.getTask().equals("vessels")) {
                        out.onError(Status.UNAVAILABLE.withDescription("no model loaded for task vessels")
                                .asRuntimeException());
                        return;
                    }
                    out.onNext(SegmentResponse.newBuilder().setProgress(Progress.newBuilder()
                            .setStage(Progress.Stage.SEGMENTING).setSlicesDone(3).setTotalSlices(3)).build());
                    byte[] mask = received.clone();
                    for (int i = 0; i < mask.length / 2; i++) {
                        byte t = mask[i];
                        mask[i] = mask[mask.length - 1 - i];
                        mask[mask.length - 1 - i] = t;
                    }
                    for (int i = 0; i < mask.length; i += 1000) {
                        out.onNext(SegmentResponse.newBuilder().setMaskChunk(ByteString.copyFrom(mask, i,
                                Math.min(1000, mask.length - i))).build());
                    }
                    // "probabilities": the upload's bytes, each XOR 0x5A, in 700-byte chunks after the mask
                    byte[] probabilities = new byte[o.getReturnProbabilities() ? received.length : 0];
                    for (int i = 0; i < probabilities.length; i++) {
                        probabilities[i] = (byte) (received[i] ^ 0x5A);
                    }
                    for (int i = 0; i < probabilities.length; i += 700) {
                        out.onNext(SegmentResponse.newBuilder().setProbabilitiesChunk(ByteString.copyFrom(
                                probabilities, i, Math.min(700, probabilities.length - i))).build());
                    }
                    // "attention maps": the upload's bytes, each XOR 0x33, in 900-byte chunks after those
                    byte[] attention = new byte[o.getReturnAttention() ? received.length : 0];
                    for (int i = 0; i < attention.length; i++) {
                        attention[i] = (byte) (received[i] ^ 0x33);
                    }
                    for (int i = 0; i < attention.length; i += 900) {
                        out.onNext(SegmentResponse.newBuilder().setAttentionChunk(ByteString.copyFrom(
                                attention, i, Math.min(900, attention.length - i))).build());
                    }
                    out.onNext(SegmentResponse.newBuilder().setReport(SegmentReport.newBuilder().setTask(o.getTask())
                            .setModelVersion(o.getModelVersion().isEmpty() ? "2" : o.getModelVersion())
                            .setTta(o.getTta()).setAugmentation(o.getAugmentation())
                            .addClassNames("background").addClassNames("liver")
                            .addVolumes(LabelVolume.newBuilder().setLabel(0).setName("background").setVoxels(10))
                            .addVolumes(LabelVolume.newBuilder().setLabel(1).setName("liver").setVoxels(5)
                                    .setVolumeMl(12.5))
                            .setGeometry(Geometry.newBuilder().addDims(4).addDims(4).addDims(3))
                            .putTimingsMs("inference", 42).setMaskBytes(mask.length)
                            .setMaskSha256(corruptSha ? "0".repeat(64) : sha256(mask))
                            .setProbabilitiesBytes(probabilities.length)
                            .setProbabilitiesSha256(probabilities.length == 0 ? "" : sha256(probabilities))
                            .setAttentionBytes(attention.length)
                            .setAttentionSha256(attention.length == 0 ? "" : corruptAttentionSha ? "0".repeat(64)
                                    : sha256(attention))).build());
                    out.onCompleted();
                }
            };
        }

        @Override
        public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
            out.onNext(ListModelsResponse.newBuilder().addTasks(ModelTask.newBuilder().setTask("liver")
                    .addVersions("1").addVersions("2").setChampion(Champion.newBuilder().setVersion("2")
                            .setReason("seed").setPromotedAt("2026-01-01T00:00:00Z")))
                    .addTasks(ModelTask.newBuilder().setTask("vessels")).build());
            out.onCompleted();
        }

        @Override
        public void getModel(GetModelRequest request, StreamObserver<Model> out) {
            out.onNext(Model.newBuilder().setTask(request.getTask()).setVersion(request.getVersion()).setChampion(true)
                    .setName("liver").addClassNames("background").addClassNames("liver").setTargetSize(256)
                    .setChannels(1).putMetrics("validation_dice.liver", 0.89).build());
            out.onCompleted();
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = ServerBuilder.forPort(0).addService(io.grpc.ServerInterceptors.intercept(fake,
                new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
                            io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
                        authorization = headers.get(io.grpc.Metadata.Key.of("authorization",
                                io.grpc.Metadata.ASCII_STRING_MARSHALLER));
                        return next.startCall(call, headers);
                    }
                })).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private String address() {
        return "127.0.0.1:" + server.getPort();
    }

    private Path input(String name, int bytes) throws Exception {
        byte[] b = new byte[bytes];
        new Random(7).nextBytes(b);
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    @Test
    void segmentStreamsTheFileAndWritesTheMaskWithAJsonReport() throws Exception {
        // 2.5 MiB: three chunks
        Path in = input("case.nii.gz", (5 << 20) / 2);
        Path out = dir.resolve("out/mask.nii.gz");
        LiversegCliTest.Run r = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                out.toString(), "--json", "--tta", "--model-version", "7");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.received).isEqualTo(Files.readAllBytes(in));
        assertThat(fake.options.getFileName()).isEqualTo("case.nii.gz");
        assertThat(fake.options.getSizeBytes()).isEqualTo(Files.size(in));
        assertThat(fake.options.getTta()).isTrue();
        assertThat(fake.options.getAugmentation()).isEqualTo(Augmentation.AUGMENTATION_FLIP);
        assertThat(fake.options.getModelVersion()).isEqualTo("7");
        assertThat(fake.options.getTask()).isEqualTo("liver");
        byte[] mask = Files.readAllBytes(out);
        assertThat(mask).hasSize(fake.received.length);
        assertThat(mask[0]).isEqualTo(fake.received[fake.received.length - 1]);
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("model_version").asText()).isEqualTo("7");
        assertThat(o.get("tta").asBoolean()).isTrue();
        assertThat(o.get("augmentation").asText()).isEqualTo("flip");
        assertThat(o.get("volumes").get(1).get("name").asText()).isEqualTo("liver");
        assertThat(o.get("volumes").get(1).get("volume_ml").asDouble()).isEqualTo(12.5);
        assertThat(o.get("timings_ms").get("inference").asLong()).isEqualTo(42);
        assertThat(o.get("timings_ms").has("client_total")).isTrue();
        assertThat(o.get("mask_sha256").asText()).isEqualTo(sha256(mask));
        assertThat(o.get("dims").toString()).isEqualTo("[4,4,3]");
        try (var files = Files.list(out.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("mask.nii.gz");
        }
    }

    @Test
    void shiftAugmentationIsAskedForByNameAndReported() throws Exception {
        Path in = input("case.nii.gz", 4096);
        LiversegCliTest.Run r = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                dir.resolve("shift.nii.gz").toString(), "--json", "--tta", "shift");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.options.getAugmentation()).isEqualTo(Augmentation.AUGMENTATION_SHIFT);
        assertThat(fake.options.getTta()).isFalse();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("augmentation").asText()).isEqualTo("shift");
        assertThat(o.get("tta").asBoolean()).isFalse();

        LiversegCliTest.Run none = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                dir.resolve("none.nii.gz").toString(), "--json");
        assertThat(none.exit()).as(none.err()).isZero();
        assertThat(fake.options.getAugmentation()).isEqualTo(Augmentation.AUGMENTATION_NONE);
        assertThat(JSON.readTree(none.out()).get("augmentation").asText()).isEqualTo("none");

        LiversegCliTest.Run bad = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                dir.resolve("bad.nii.gz").toString(), "--tta", "rotate");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("rotate").contains("none, flip or shift");
    }

    @Test
    void probabilitiesAreAskedForOnlyWithTheOptionAndWrittenWhereItSays() throws Exception {
        Path in = input("case.nii.gz", 3000);
        Path out = dir.resolve("p/mask.nii.gz");
        Path prob = dir.resolve("p/probabilities.nii.gz");
        LiversegCliTest.Run r = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                out.toString(), "--probabilities", prob.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.options.getReturnProbabilities()).isTrue();
        byte[] expected = Files.readAllBytes(in);
        for (int i = 0; i < expected.length; i++) {
            expected[i] ^= 0x5A;
        }
        assertThat(Files.readAllBytes(prob)).isEqualTo(expected);
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("probabilities").asText()).isEqualTo(prob.toString());
        assertThat(o.get("probabilities_bytes").asLong()).isEqualTo(3000);
        assertThat(o.get("probabilities_sha256").asText()).isEqualTo(sha256(expected));
        try (var files = Files.list(out.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("mask.nii.gz", "probabilities.nii.gz");
        }
        // written with the umask's permissions like any file the user makes, not a temp file's owner-only 0600
        java.nio.file.Path probe = Files.createFile(dir.resolve("p/probe"));
        assertThat(Files.getPosixFilePermissions(out)).isEqualTo(Files.getPosixFilePermissions(probe));
        assertThat(Files.getPosixFilePermissions(prob)).isEqualTo(Files.getPosixFilePermissions(probe));

        Path plain = dir.resolve("plain.nii.gz");
        LiversegCliTest.Run without = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                plain.toString(), "--json");
        assertThat(without.exit()).as(without.err()).isZero();
        assertThat(fake.options.getReturnProbabilities()).isFalse();
        assertThat(JSON.readTree(without.out()).has("probabilities")).isFalse();
    }

    @Test
    void attentionMapsAreAskedForOnlyWithTheOptionAndAreNotKeptWhenTheirHashIsWrong() throws Exception {
        Path in = input("case.nii.gz", 2500);
        Path out = dir.resolve("a/mask.nii.gz");
        Path maps = dir.resolve("a/attention.nii.gz");
        LiversegCliTest.Run r = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                out.toString(), "--attention", maps.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.options.getReturnAttention()).isTrue();
        assertThat(fake.options.getReturnProbabilities()).isFalse();
        byte[] expected = Files.readAllBytes(in);
        for (int i = 0; i < expected.length; i++) {
            expected[i] ^= 0x33;
        }
        assertThat(Files.readAllBytes(maps)).isEqualTo(expected);
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("attention").asText()).isEqualTo(maps.toString());
        assertThat(o.get("attention_bytes").asLong()).isEqualTo(2500);
        assertThat(o.get("attention_sha256").asText()).isEqualTo(sha256(expected));

        Path plain = dir.resolve("a-plain.nii.gz");
        LiversegCliTest.Run without = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                plain.toString(), "--json");
        assertThat(without.exit()).as(without.err()).isZero();
        assertThat(fake.options.getReturnAttention()).isFalse();
        assertThat(JSON.readTree(without.out()).has("attention")).isFalse();

        // maps that are not what the server reports are not written, nor is the mask
        fake.corruptAttentionSha = true;
        try {
            Path badMask = dir.resolve("b/mask.nii.gz");
            Path badMaps = dir.resolve("b/attention.nii.gz");
            LiversegCliTest.Run bad = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                    badMask.toString(), "--attention", badMaps.toString());
            assertThat(bad.exit()).isNotZero();
            assertThat(bad.err()).contains("attention maps received");
            try (var files = Files.list(badMask.getParent())) {
                assertThat(files).isEmpty();
            }
        } finally {
            fake.corruptAttentionSha = false;
        }
    }

    /** A server with the "secured" profile wants a bearer token: the client sends LIVERSEG_TOKEN's with each call. */
    @Test
    void aTokenGoesWithEveryCallAsBearerMetadataAndNoneWithoutOne() throws Exception {
        Path in = input("case.nii.gz", 500);
        try (SegmentationClient client = new SegmentationClient(address(), " header.claims.signature\n")) {
            client.segment(in, dir.resolve("t/mask.nii.gz"), SegmentOptions.newBuilder().build(), 30, p -> { });
            assertThat(authorization).isEqualTo("Bearer header.claims.signature");
            client.blocking(30).listModels(ListModelsRequest.newBuilder().build());
            assertThat(authorization).isEqualTo("Bearer header.claims.signature");
        }
        try (SegmentationClient client = new SegmentationClient(address(), null)) {
            client.blocking(30).listModels(ListModelsRequest.newBuilder().build());
            assertThat(authorization).isNull();
        }
    }

    @Test
    void textOutputNamesTheModelAndVolumes() throws Exception {
        Path in = input("case.nii", 1000);
        LiversegCliTest.Run r = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                dir.resolve("m.nii.gz").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("liver model version 2").contains("12.50 mL");
    }

    @Test
    void serverErrorsBecomeExitCodesWithTheServersMessage() throws Exception {
        Path bad = input("bad.nii", 400);
        Path out = dir.resolve("bad-mask.nii.gz");
        LiversegCliTest.Run r = LiversegCliTest.run("segment", "--server", address(), bad.toString(), "-o",
                out.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("INVALID_ARGUMENT").contains("sizeof_hdr").contains("bad.nii");
        assertThat(out).doesNotExist();

        Path in = input("case.nii.gz", 1000);
        LiversegCliTest.Run u = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                out.toString(), "--task", "vessels");
        assertThat(u.exit()).isEqualTo(3);
        assertThat(u.err()).contains("UNAVAILABLE").contains("no model loaded");

        fake.corruptSha = true;
        LiversegCliTest.Run c = LiversegCliTest.run("segment", "--server", address(), in.toString(), "-o",
                out.toString());
        assertThat(c.exit()).isEqualTo(2);
        assertThat(c.err()).contains("SHA-256");
        assertThat(out).doesNotExist();

        LiversegCliTest.Run missing = LiversegCliTest.run("segment", "--server", address(),
                dir.resolve("nope.nii").toString(), "-o", out.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.nii");
    }

    @Test
    void noServerIsRetryLater() throws Exception {
        Path in = input("case.nii.gz", 1000);
        int port = server.getPort();
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        LiversegCliTest.Run r = LiversegCliTest.run("segment", "--server", "127.0.0.1:" + port, in.toString(), "-o",
                dir.resolve("m.nii.gz").toString(), "--timeout", "20");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("UNAVAILABLE");
    }

    @Test
    void modelsListsTasksVersionsAndTheChampionsMetrics() throws Exception {
        LiversegCliTest.Run r = LiversegCliTest.run("models", "--server", address(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode tasks = JSON.readTree(r.out()).get("tasks");
        assertThat(tasks).hasSize(2);
        assertThat(tasks.get(0).get("task").asText()).isEqualTo("liver");
        assertThat(tasks.get(0).get("versions").toString()).isEqualTo("[\"1\",\"2\"]");
        assertThat(tasks.get(0).get("champion").get("version").asText()).isEqualTo("2");
        assertThat(tasks.get(0).get("model").get("metrics").get("validation_dice.liver").asDouble()).isEqualTo(0.89);
        assertThat(tasks.get(1).get("champion").isNull()).isTrue();
        assertThat(tasks.get(1).has("model")).isFalse();

        LiversegCliTest.Run text = LiversegCliTest.run("models", "--server", address());
        assertThat(text.exit()).isZero();
        assertThat(text.out()).contains("liver: versions [1, 2], champion 2 (seed").contains("vessels: versions [],"
                + " champion none").contains("validation_dice.liver");
    }

    @Test
    void progressBarLines() {
        assertThat(SegmentCommand.ProgressBar.line(Progress.newBuilder().setStage(Progress.Stage.SEGMENTING)
                .setSlicesDone(50).setTotalSlices(100).build()))
                .isEqualTo("segmenting [" + "#".repeat(15) + " ".repeat(15) + "] 50/100 slices");
        assertThat(SegmentCommand.ProgressBar.line(Progress.newBuilder().setStage(Progress.Stage.QUEUED)
                .setQueuePosition(2).build())).contains("position 2");
    }
}
