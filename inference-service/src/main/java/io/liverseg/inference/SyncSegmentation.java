package io.liverseg.inference;

import io.liverseg.imaging.Volume;
import io.liverseg.imaging.nifti.NiftiHeader;
import io.liverseg.imaging.nifti.NiftiImage;
import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.imaging.nifti.NiftiWriter;
import io.liverseg.model.pkg.ModelManifest;
import io.liverseg.model.predict.MaskHeaders;
import io.liverseg.model.predict.Segmenter;
import io.liverseg.model.predict.TestTimeAugmentation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
     * @param probabilities the class probabilities (4D, uint8, scale 1/255, on the input's grid), or null when not
     *                      asked for
     */
    record Result(Volume mask, NiftiHeader header, int totalSlices, Map<String, Long> timingsMs,
                  Volume probabilities) {
    }

    static Result run(Path file, Segmenter segmenter, NiftiReader reader, int batchSize, TestTimeAugmentation tta,
                      boolean probabilities, Listener listener) throws IOException {
        listener.checkStop();
        NiftiHeader header = reader.readHeader(file);
        int[] total = {0};
        Segmenter.Segmentation s = segmenter.segment(file, reader, new Segmenter.Options(batchSize, tta, probabilities),
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
        return new Result(s.mask(), header, total[0], timings, s.probabilities());
    }

    /** The mask as .nii.gz with the input's header, as inference-service writes masks/{scan}/{task}/mask.nii.gz. */
    static void writeMask(Result r, ModelManifest model, Path out) throws IOException {
        NiftiWriter.write(new NiftiImage(MaskHeaders.of(r.header(), model), r.mask(), 0), out);
    }

    /**
     * The attention gates' maps of the same file ({@link Segmenter#attentionMaps}: a second, plain pass, with the stop
     * check before every batch) as .nii.gz with the input's header geometry ({@link MaskHeaders#attention}).
     */
    static void writeAttention(Path file, Segmenter segmenter, NiftiReader reader, int batchSize, NiftiHeader header,
                               Path out, Listener listener) throws IOException {
        Volume maps = segmenter.attentionMaps(file, reader, batchSize, new Segmenter.BatchListener() {
            @Override
            public void beforeBatch() {
                listener.checkStop();
            }
        });
        NiftiWriter.write(new NiftiImage(MaskHeaders.attention(header, segmenter.manifest()), maps, 0), out);
    }

    /**
     * The probabilities as .nii.gz with the input's header geometry ({@link MaskHeaders#probabilities}): 4D
     * (dim[4] = classes), uint8, scl_slope 1/255.
     */
    static void writeProbabilities(Result r, List<String> classNames, Path out) throws IOException {
        NiftiWriter.write(new NiftiImage(MaskHeaders.probabilities(r.header(), classNames), r.probabilities(), 0),
                out);
    }
}
