package io.liverseg.model;

import ai.djl.Device;
import java.util.Locale;

/** The user-facing device choice, {@code cpu|gpu|auto}, resolved to a DJL {@link Device}. */
public enum DeviceSetting {
    /** Always the CPU. */
    CPU,
    /** The first GPU; fails if the engine sees none. */
    GPU,
    /** The first GPU when the engine sees one, else the CPU. */
    AUTO;

    /** Parses {@code cpu|gpu|auto} (case-insensitive). */
    public static DeviceSetting parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("device setting is null; expected cpu|gpu|auto");
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown device '" + text + "'; expected cpu|gpu|auto", e);
        }
    }

    /**
     * The DJL device for this setting. A GPU is always {@code Device.gpu(0)}: {@code
     * Device.fromName("gpu")} would yield gpu(-1), which ParameterStore rejects.
     */
    public Device resolve() {
        return switch (this) {
            case CPU -> Device.cpu();
            case GPU -> {
                if (gpuCount() == 0) {
                    throw new IllegalStateException("device 'gpu' requested but the PyTorch engine sees no GPU"
                            + " (CPU-only libtorch on the classpath, or no CUDA driver)");
                }
                yield Device.gpu(0);
            }
            case AUTO -> gpuCount() > 0 ? Device.gpu(0) : Device.cpu();
        };
    }

    private static int gpuCount() {
        return DjlEnvironment.engine().getGpuCount();
    }
}
