package io.liverseg.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.List;
import java.util.Optional;

/** Configuration of ingest-service, keys under {@code liverseg.}. */
@ConfigMapping(prefix = "liverseg")
public interface IngestConfig {

    /** The one bucket of the mesh (scans, work, masks, models). */
    @WithDefault("liverseg")
    String bucket();

    /** Segmentation tasks whose status, masks and reports this service reports on. */
    @WithDefault("liver,vessels")
    List<String> tasks();

    /** Upload and bucket-notification intake. */
    Ingest ingest();

    interface Ingest {
        /**
         * Largest accepted file (image or label, bytes as sent, before gzip inflation). Larger uploads are
         * refused with 413 before anything is stored; a larger incoming object fails the scan.
         */
        @WithName("max-bytes")
        @WithDefault("2147483648")
        long maxBytes();

        /** Most voxels one image may declare (NiftiReader's ReadLimits). */
        @WithName("max-voxels")
        @WithDefault("1073741824")
        long maxVoxels();

        /** Most bytes one file may inflate to (guards against gzip bombs; ReadLimits). */
        @WithName("max-inflated-bytes")
        @WithDefault("4294967296")
        long maxInflatedBytes();

        /** Folder for temporary copies of uploads while they are validated (default: java.io.tmpdir). */
        @WithName("temp-dir")
        Optional<String> tempDir();

        /** How long to wait for the broker to acknowledge an event before the intake fails, seconds. */
        @WithName("send-timeout-seconds")
        @WithDefault("30")
        int sendTimeoutSeconds();
    }
}
