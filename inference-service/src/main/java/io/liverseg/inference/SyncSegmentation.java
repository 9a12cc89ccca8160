package io.liverseg.inference;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiImage;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.model.predict.Segmenter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One synchronous segmentation of a NIfTI file on local disk, as the gRPC Segment call runs it:
 * {@link Segmenter#segment(Path, NiftiReader, Segmenter.Options, Segmenter.BatchListener)} itself, with progress and a
 * stop check (cancellation, deadline) between batches. preprocess- and inference-service run the same steps batch by
 * batch, so the mask equals the streaming path's for the same file, model version and batch size (tested voxel for
 * voxel).
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
        NiftiHeader header = reader.readHeader(file);
        int[] total = {0};
        Segmenter.Segmentation s = segmenter.segment(file, reader, new Segmenter.Options(batchSize, tta),
                new Segmenter.BatchListener() {
                    @Override
                    public void beforeBatch() {
                        listener.checkStop();
                    }

                    @Override
                    public void progress(int slicesDone, int totalSlices) {
                        total[0] = totalSlices;
                        listener.progress(slicesDone, totalSlices);
                    }
                });
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("read_and_preprocess", s.timingsMs().getOrDefault("read_and_preprocess_ms", 0L));
        timings.put("inference", s.timingsMs().get("inference_ms"));
        timings.put("postprocess", s.timingsMs().get("postprocess_ms"));
        return new Result(s.mask(), header, total[0], timings);
    }

    /** The mask as .nii.gz with the input's header, as inference-service writes masks/{scan}/{task}/mask.nii.gz. */
    static void writeMask(Result r, Path out) throws IOException {
        NiftiWriter.write(new NiftiImage(r.header(), r.mask(), 0), out);
    }
}
