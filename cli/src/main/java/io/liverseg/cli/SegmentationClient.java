package io.liverseg.cli;

import com.google.protobuf.ByteString;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
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

    private final ManagedChannel channel;

    SegmentationClient(String server) {
        if (server == null || server.isBlank() || !server.contains(":")) {
            throw new IllegalArgumentException("--server must be HOST:PORT, got '" + server + "'");
        }
        this.channel = ManagedChannelBuilder.forTarget(server).usePlaintext().maxInboundMessageSize(16 << 20).build();
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

    /**
     * Segments {@code in}; the mask goes to {@code out} (written next to it, then moved into place).
     *
     * @param timeoutSeconds the call's deadline, 0 for none
     * @throws StatusRuntimeException the server's (or the transport's) refusal
     */
    Result segment(Path in, Path out, SegmentOptions options, long timeoutSeconds, Consumer<Progress> progress)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        SegmentOptions o = options.toBuilder().setFileName(in.getFileName().toString()).setSizeBytes(Files.size(in))
                .build();
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".liverseg-mask-", ".part");
        try (InputStream file = Files.newInputStream(in); OutputStream mask = Files.newOutputStream(tmp)) {
            Call call = new Call(o, file, mask, progress);
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
            mask.close();
            String sha = HexFormat.of().formatHex(call.sha.digest());
            if (report.getMaskBytes() != call.maskBytes || !report.getMaskSha256().equals(sha)) {
                throw new IOException("the mask received (" + call.maskBytes + " bytes, SHA-256 " + sha
                        + ") is not the one the server reported (" + report.getMaskBytes() + " bytes, SHA-256 "
                        + report.getMaskSha256() + ")");
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Result(report, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** One Segment call's observer: sends when the transport is ready, collects the answer. */
    private static final class Call implements ClientResponseObserver<SegmentRequest, SegmentResponse> {
        private final SegmentOptions options;
        private final InputStream file;
        private final OutputStream mask;
        private final Consumer<Progress> progress;
        private final MessageDigest sha;
        private final CompletableFuture<SegmentReport> done = new CompletableFuture<>();
        private ClientCallStreamObserver<SegmentRequest> requests;
        private boolean optionsSent;
        private boolean sent;
        private long maskBytes;
        private SegmentReport report;

        Call(SegmentOptions options, InputStream file, OutputStream mask, Consumer<Progress> progress) {
            this.options = options;
            this.file = file;
            this.mask = mask;
            this.progress = progress;
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
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
                case MASK_CHUNK -> {
                    try {
                        byte[] b = r.getMaskChunk().toByteArray();
                        mask.write(b);
                        sha.update(b);
                        maskBytes += b.length;
                    } catch (IOException e) {
                        requests.cancel("cannot write the mask", e);
                        done.completeExceptionally(e);
                    }
                }
                case REPORT -> report = r.getReport();
                default -> { }
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
