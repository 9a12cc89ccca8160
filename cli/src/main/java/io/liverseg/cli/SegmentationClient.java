package io.liverseg.cli;

import com.google.protobuf.ByteString;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.liverseg.proto.segmentation.v1.Progress;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import io.liverseg.proto.segmentation.v1.SegmentReport;
import io.liverseg.proto.segmentation.v1.SegmentRequest;
import io.liverseg.proto.segmentation.v1.SegmentResponse;
import io.liverseg.proto.segmentation.v1.SegmentationGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The client side of {@code liverseg.segmentation.v1.Segmentation}: a plaintext channel to {@code HOST:PORT} and
 * one Segment call that streams a file in 1 MiB chunks as fast as the transport takes them (outbound flow
 * control, so a 250 MB CT never sits in memory) and writes the mask to its destination only once the report
 * confirmed its size and SHA-256.
 */
final class SegmentationClient implements AutoCloseable {
    static final int CHUNK = 1 << 20;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final ManagedChannel channel;

    /** Environment variable with a bearer token for a server whose "secured" profile asks for one. */
    static final String TOKEN_ENV = "LIVERSEG_TOKEN";

    SegmentationClient(String server) {
        this(server, System.getenv(TOKEN_ENV));
    }

    /** @param token a bearer JWT sent with every call ({@code authorization} metadata), or null for none */
    SegmentationClient(String server, String token) {
        if (server == null || server.isBlank() || !server.contains(":")) {
            throw new IllegalArgumentException("--server must be HOST:PORT, got '" + server + "'");
        }
        ManagedChannelBuilder<?> b = ManagedChannelBuilder.forTarget(server).usePlaintext()
                .maxInboundMessageSize(16 << 20);
        if (token != null && !token.isBlank()) {
            Metadata m = new Metadata();
            m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token.strip());
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(m));
        }
        this.channel = b.build();
    }

    ManagedChannel channel() {
        return channel;
    }

    SegmentationGrpc.SegmentationBlockingStub blocking(long timeoutSeconds) {
        SegmentationGrpc.SegmentationBlockingStub s = SegmentationGrpc.newBlockingStub(channel);
        return timeoutSeconds > 0 ? s.withDeadline(Deadline.after(timeoutSeconds, TimeUnit.SECONDS)) : s;
    }

    /** A finished Segment call: the report and the time it took. */
    record Result(SegmentReport report, long wallMs) {
    }

    /** As {@link #segment(Path, Path, Path, SegmentOptions, long, Consumer)} without probabilities. */
    Result segment(Path in, Path out, SegmentOptions options, long timeoutSeconds, Consumer<Progress> progress)
            throws IOException, InterruptedException {
        return segment(in, out, null, null, options, timeoutSeconds, progress);
    }

    /**
     * Segments {@code in}; the mask goes to {@code out}, with {@code probabilitiesOut} the class probabilities and
     * with {@code attentionOut} the attention maps go there (each written next to its destination, checked against
     * the report's size and SHA-256, then moved into place: nothing is left half-written).
     *
     * @param probabilitiesOut where to write the probabilities, or null for none
     * @param attentionOut     where to write the attention maps, or null for none
     * @param timeoutSeconds   the call's deadline, 0 for none
     * @throws StatusRuntimeException the server's (or the transport's) refusal
     */
    Result segment(Path in, Path out, Path probabilitiesOut, Path attentionOut, SegmentOptions options,
                   long timeoutSeconds, Consumer<Progress> progress) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        SegmentOptions o = options.toBuilder().setFileName(in.getFileName().toString()).setSizeBytes(Files.size(in))
                .setReturnProbabilities(probabilitiesOut != null).setReturnAttention(attentionOut != null).build();
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = partFile(dir, ".liverseg-mask-");
        Path probTmp = besides(probabilitiesOut, ".liverseg-prob-");
        Path attTmp = besides(attentionOut, ".liverseg-att-");
        try (InputStream file = Files.newInputStream(in); Download mask = new Download(tmp);
             Download probabilities = probTmp == null ? null : new Download(probTmp);
             Download attention = attTmp == null ? null : new Download(attTmp)) {
            Call call = new Call(o, file, mask, probabilities, attention, progress);
            SegmentationGrpc.SegmentationStub stub = SegmentationGrpc.newStub(channel);
            if (timeoutSeconds > 0) {
                stub = stub.withDeadline(Deadline.after(timeoutSeconds, TimeUnit.SECONDS));
            }
            stub.segment(call);
            SegmentReport report;
            try {
                report = call.done.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof StatusRuntimeException sre) {
                    throw sre;
                }
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw Status.fromThrowable(e.getCause()).asRuntimeException();
            } catch (InterruptedException e) {
                call.cancel();
                throw e;
            }
            mask.verify("mask", report.getMaskBytes(), report.getMaskSha256());
            if (probabilities != null) {
                probabilities.verify("probabilities", report.getProbabilitiesBytes(), report.getProbabilitiesSha256());
            }
            if (attention != null) {
                attention.verify("attention maps", report.getAttentionBytes(), report.getAttentionSha256());
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (probabilities != null) {
                Files.move(probTmp, probabilitiesOut, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            if (attention != null) {
                Files.move(attTmp, attentionOut, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return new Result(report, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            Files.deleteIfExists(tmp);
            if (probTmp != null) {
                Files.deleteIfExists(probTmp);
            }
            if (attTmp != null) {
                Files.deleteIfExists(attTmp);
            }
        }
    }

    /** A part file beside {@code destination} (its folder made), or null when there is no destination. */
    private static Path besides(Path destination, String prefix) throws IOException {
        if (destination == null) {
            return null;
        }
        Path dir = destination.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return partFile(dir, prefix);
    }

    /**
     * A new, empty file beside the destination. Not {@code Files.createTempFile}: that makes it owner-only (0600),
     * and the rename would hand the user a mask nobody else can read; this one gets the umask's permissions.
     */
    private static Path partFile(Path dir, String prefix) throws IOException {
        while (true) {
            Path p = dir.resolve(prefix + Long.toHexString(RANDOM.nextLong()) + ".part");
            try {
                return Files.createFile(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another name
            }
        }
    }

    /** A file received in chunks: written, counted and hashed as it comes. */
    private static final class Download implements AutoCloseable {
        private final OutputStream out;
        private final MessageDigest sha;
        private long bytes;

        Download(Path file) throws IOException {
            this.out = Files.newOutputStream(file);
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void write(ByteString chunk) throws IOException {
            byte[] b = chunk.toByteArray();
            out.write(b);
            sha.update(b);
            bytes += b.length;
        }

        /** Closes the file and checks it is what the server says it sent. */
        void verify(String what, long expectedBytes, String expectedSha256) throws IOException {
            out.close();
            String got = HexFormat.of().formatHex(sha.digest());
            if (expectedBytes != bytes || !expectedSha256.equals(got)) {
                throw new IOException("the " + what + " received (" + bytes + " bytes, SHA-256 " + got
                        + ") is not what the server reported (" + expectedBytes + " bytes, SHA-256 "
                        + expectedSha256 + ")");
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** One Segment call's observer: sends when the transport is ready, collects the answer. */
    private static final class Call implements ClientResponseObserver<SegmentRequest, SegmentResponse> {
        private final SegmentOptions options;
        private final InputStream file;
        private final Download mask;
        private final Download probabilities;
        private final Download attention;
        private final Consumer<Progress> progress;
        private final CompletableFuture<SegmentReport> done = new CompletableFuture<>();
        private ClientCallStreamObserver<SegmentRequest> requests;
        private boolean optionsSent;
        private boolean sent;
        private SegmentReport report;

        Call(SegmentOptions options, InputStream file, Download mask, Download probabilities, Download attention,
             Consumer<Progress> progress) {
            this.options = options;
            this.file = file;
            this.mask = mask;
            this.probabilities = probabilities;
            this.attention = attention;
            this.progress = progress;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<SegmentRequest> requestStream) {
            this.requests = requestStream;
            requestStream.setOnReadyHandler(this::pump);
        }

        void cancel() {
            requests.cancel("interrupted", null);
        }

        private synchronized void pump() {
            try {
                while (!sent && !done.isDone() && requests.isReady()) {
                    if (!optionsSent) {
                        requests.onNext(SegmentRequest.newBuilder().setOptions(options).build());
                        optionsSent = true;
                        continue;
                    }
                    byte[] buf = file.readNBytes(CHUNK);
                    if (buf.length == 0) {
                        sent = true;
                        requests.onCompleted();
                        return;
                    }
                    requests.onNext(SegmentRequest.newBuilder().setChunk(ByteString.copyFrom(buf)).build());
                }
            } catch (IOException e) {
                requests.cancel("cannot read the input file", e);
                done.completeExceptionally(e);
            }
        }

        @Override
        public void onNext(SegmentResponse r) {
            switch (r.getKindCase()) {
                case PROGRESS -> progress.accept(r.getProgress());
                case MASK_CHUNK -> receive(mask, r.getMaskChunk(), "mask");
                case PROBABILITIES_CHUNK -> receive(probabilities, r.getProbabilitiesChunk(), "probabilities");
                case ATTENTION_CHUNK -> receive(attention, r.getAttentionChunk(), "attention maps");
                case REPORT -> report = r.getReport();
                default -> { }
            }
        }

        private void receive(Download to, ByteString chunk, String what) {
            if (to == null) {
                IOException e = new IOException("the server sent " + what + " that were not asked for");
                requests.cancel(e.getMessage(), e);
                done.completeExceptionally(e);
                return;
            }
            try {
                to.write(chunk);
            } catch (IOException e) {
                requests.cancel("cannot write the " + what, e);
                done.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            if (report == null) {
                done.completeExceptionally(Status.INTERNAL.withDescription("the server ended the call without a"
                        + " report").asRuntimeException());
            } else {
                done.complete(report);
            }
        }
    }

    /** Exit code for a gRPC error: 2 bad input (as other commands), 3 worth retrying later, 1 anything else. */
    static int exitCode(Status status) {
        return switch (status.getCode()) {
            case INVALID_ARGUMENT, NOT_FOUND, UNIMPLEMENTED, FAILED_PRECONDITION, OUT_OF_RANGE -> LiversegCli.EXIT_BAD_INPUT;
            case UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, ABORTED -> EXIT_RETRY;
            default -> 1;
        };
    }

    /** Exit code when the server could not do it now (unavailable, busy, too slow for the deadline). */
    static final int EXIT_RETRY = 3;

    /** One line for stderr: the status code and the server's message (and the field at fault, if named). */
    static String describe(StatusRuntimeException e) {
        Status s = e.getStatus();
        String field = e.getTrailers() == null ? null : e.getTrailers().get(FIELD);
        return s.getCode() + (s.getDescription() != null ? ": " + s.getDescription() : "")
                + (s.getCause() != null && s.getDescription() == null ? ": " + s.getCause().getMessage() : "")
                + (field != null && (s.getDescription() == null || !s.getDescription().contains(field))
                        ? " (field " + field + ")" : "");
    }

    static final io.grpc.Metadata.Key<String> FIELD = io.grpc.Metadata.Key.of("liverseg-field",
            io.grpc.Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
