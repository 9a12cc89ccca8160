package io.liverseg.inference;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.geometry.Reorientation;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiImage;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.imaging.preprocess.MaskAssembler;
import io.liverseg.imaging.preprocess.PreprocessingSpec;
import io.liverseg.imaging.preprocess.StreamingSlicer;
import io.liverseg.model.predict.Segmenter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One synchronous segmentation of a NIfTI file on local disk, as the gRPC Segment call runs it: exactly the steps
 * of {@link Segmenter#segment(Path, NiftiReader, Segmenter.Options)} — the package's preprocessing streamed while
 * the file inflates ({@link StreamingSlicer}, the same float32 batches of {@code batchSize} canonical slices),
 * {@code segmenter.predictor()}, {@link MaskAssembler} on the input's grid and {@link Segmenter#postprocess} — with
 * two hooks between batches that {@code Segmenter.segment} has no room for: progress, and a stop check
 * (cancellation, deadline) that ends the read and the batches at once. The same steps are what preprocess- and
 * inference-service run batch by batch, so the mask equals the streaming path's for the same file, model version
 * and batch size (tested against {@code Segmenter.segment} voxel for voxel).
 */
final class SyncSegmentation {
    private SyncSegmentation() {
    }

    /** Told about every batch; {@link #checkStop} throws to end the work. */
    interface Listener {
        /** Called before every batch (and before the read's first one): throw to stop. */
        void checkStop();

        /** Slices predicted so far of all canonical slices. */
        void progress(int slicesDone, int totalSlices);
    }

    /**
     * @param mask      uint8 labels on the input's grid, postprocessed
     * @param header    the input's header (the mask is written with it: dims, pixdim, qform and sform kept)
     * @param timingsMs read_and_preprocess, inference, postprocess
     */
    record Result(Volume mask, NiftiHeader header, int totalSlices, Map<String, Long> timingsMs) {
    }

    static Result run(Path file, Segmenter segmenter, NiftiReader reader, int batchSize, boolean tta,
                      Listener listener) throws IOException {
        listener.checkStop();
        long t0 = System.nanoTime();
        NiftiHeader header = reader.readHeader(file);
        PreprocessingSpec spec = segmenter.manifest().preprocessing().toSpec();
        MaskAssembler[] assembler = {null};
        int[] total = {0};
        int[] done = {0};
        long[] inferNanos = {0};
        StreamingSlicer.readAndSlice(reader, file, spec, batchSize, b -> {
            listener.checkStop();
            long t = System.nanoTime();
            byte[] labels = segmenter.predictor().predict(b.data(), b.count(), b.channels(), b.height(), b.width(),
                    tta);
            inferNanos[0] += System.nanoTime() - t;
            assembler[0].put(b.firstSlice(), b.count(), labels);
            done[0] += b.count();
            listener.progress(done[0], total[0]);
        }, volume -> {
            Reorientation r = Reorientation.toCanonical(volume);
            assembler[0] = new MaskAssembler(r, spec.targetSize());
            total[0] = r.canonicalDims()[2];
            listener.progress(0, total[0]);
        });
        long readNanos = System.nanoTime() - t0 - inferNanos[0];
        listener.checkStop();
        long t = System.nanoTime();
        Volume mask = segmenter.postprocess(assembler[0].toSourceGrid());
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("read_and_preprocess", readNanos / 1_000_000);
        timings.put("inference", inferNanos[0] / 1_000_000);
        timings.put("postprocess", (System.nanoTime() - t) / 1_000_000);
        return new Result(mask, header, total[0], timings);
    }

    /** The mask as .nii.gz with the input's header, as inference-service writes masks/{scan}/{task}/mask.nii.gz. */
    static void writeMask(Result r, Path out) throws IOException {
        NiftiWriter.write(new NiftiImage(r.header(), r.mask(), 0), out);
    }
}
