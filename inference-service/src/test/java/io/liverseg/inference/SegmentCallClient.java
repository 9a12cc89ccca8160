package io.liverseg.inference;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.liverseg.proto.segmentation.v1.Progress;
import io.liverseg.proto.segmentation.v1.SegmentOptions;
import io.liverseg.proto.segmentation.v1.SegmentReport;
import io.liverseg.proto.segmentation.v1.SegmentRequest;
import io.liverseg.proto.segmentation.v1.SegmentResponse;
import io.liverseg.proto.segmentation.v1.SegmentationGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A Segment call as a client makes it: options first, then the file in chunks as fast as the transport takes them
 * (outbound flow control), collecting progress, mask bytes and the report or the error.
 */
final class SegmentCallClient implements ClientResponseObserver<SegmentRequest, SegmentResponse> {
    /** What came back. */
    record Outcome(List<Progress> progress, byte[] mask, SegmentReport report, Status status, Metadata trailers,
                   byte[] probabilities, byte[] attention, List<SegmentResponse.KindCase> sequence) {
        boolean ok() {
            return status.isOk();
        }
    }

    private final SegmentOptions options;
    private final InputStream file;
    private final int chunkBytes;
    private final boolean sendFile;
    private final List<Progress> progress = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream mask = new ByteArrayOutputStream();
    private final ByteArrayOutputStream probabilities = new ByteArrayOutputStream();
    private final ByteArrayOutputStream attention = new ByteArrayOutputStream();
    /** The kinds of message received, runs of one kind collapsed to one entry. */
    private final List<SegmentResponse.KindCase> sequence = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Outcome> done = new CompletableFuture<>();
    private final Consumer<Progress> onProgress;
    private ClientCallStreamObserver<SegmentRequest> requests;
    private SegmentReport report;
    private boolean optionsSent;
    private boolean finished;

    private SegmentCallClient(SegmentOptions options, InputStream file, int chunkBytes, boolean sendFile,
                              Consumer<Progress> onProgress) {
        this.options = options;
        this.file = file;
        this.chunkBytes = chunkBytes;
        this.sendFile = sendFile;
        this.onProgress = onProgress;
    }

    /** Starts the call: the whole file is sent. */
    static SegmentCallClient start(SegmentationGrpc.SegmentationStub stub, SegmentOptions options, Path file,
                                   int chunkBytes, Consumer<Progress> onProgress) throws IOException {
        SegmentCallClient c = new SegmentCallClient(options, Files.newInputStream(file), chunkBytes, true, onProgress);
        stub.segment(c);
        return c;
    }

    /** Starts a call that sends its options and then nothing (holds its place until cancelled). */
    static SegmentCallClient optionsOnly(SegmentationGrpc.SegmentationStub stub, SegmentOptions options) {
        SegmentCallClient c = new SegmentCallClient(options, InputStream.nullInputStream(), 1, false, p -> { });
        stub.segment(c);
        return c;
    }

    CompletableFuture<Outcome> outcome() {
        return done;
    }

    void cancel() {
        requests.cancel("client cancels", null);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SegmentRequest> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(this::pump);
    }

    private synchronized void pump() {
        try {
            while (!finished && requests.isReady()) {
                if (!optionsSent) {
                    requests.onNext(SegmentRequest.newBuilder().setOptions(options).build());
                    optionsSent = true;
                    if (!sendFile) {
                        finished = true;
                    }
                    continue;
                }
                byte[] buf = file.readNBytes(chunkBytes);
                if (buf.length == 0) {
                    finished = true;
                    file.close();
                    requests.onCompleted();
                    return;
                }
                requests.onNext(SegmentRequest.newBuilder().setChunk(ByteString.copyFrom(buf)).build());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void onNext(SegmentResponse r) {
        if (sequence.isEmpty() || sequence.get(sequence.size() - 1) != r.getKindCase()) {
            sequence.add(r.getKindCase());
        }
        switch (r.getKindCase()) {
            case PROGRESS -> {
                progress.add(r.getProgress());
                onProgress.accept(r.getProgress());
            }
            case MASK_CHUNK -> mask.writeBytes(r.getMaskChunk().toByteArray());
            case PROBABILITIES_CHUNK -> probabilities.writeBytes(r.getProbabilitiesChunk().toByteArray());
            case ATTENTION_CHUNK -> attention.writeBytes(r.getAttentionChunk().toByteArray());
            case REPORT -> report = r.getReport();
            default -> throw new IllegalStateException("empty response message");
        }
    }

    @Override
    public void onError(Throwable t) {
        closeFile();
        done.complete(new Outcome(List.copyOf(progress), mask.toByteArray(), report, Status.fromThrowable(t),
                Status.trailersFromThrowable(t), probabilities.toByteArray(), attention.toByteArray(),
                List.copyOf(sequence)));
    }

    @Override
    public void onCompleted() {
        closeFile();
        done.complete(new Outcome(List.copyOf(progress), mask.toByteArray(), report, Status.OK, null,
                probabilities.toByteArray(), attention.toByteArray(), List.copyOf(sequence)));
    }

    private synchronized void closeFile() {
        finished = true;
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
