package io.liverseg.proto;

/**
 * Segmentation task names as events and RPCs carry them. Public API: an empty task field (SegmentOptions.task,
 * GetModelRequest.task, ScanReceived.label_task) means {@link #DEFAULT}.
 */
public final class SegmentationTasks {
    /** Liver and liver tumour (Task03 labels: 1 liver, 2 tumour). */
    public static final String LIVER = "liver";
    /** Hepatic vessels and tumour (Task08 labels: 1 vessel, 2 tumour). */
    public static final String VESSELS = "vessels";
    /** The task an empty or absent task field means. */
    public static final String DEFAULT = LIVER;

    private SegmentationTasks() {
    }

    /** {@code task}, or {@link #DEFAULT} when it is empty (protobuf's absent string) or null. */
    public static String orDefault(String task) {
        return task == null || task.isEmpty() ? DEFAULT : task;
    }
}
