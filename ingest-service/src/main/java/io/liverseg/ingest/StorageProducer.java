package io.liverseg.ingest;

import io.liverseg.storage.ObjectStore;
import io.minio.MinioClient;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** The service's one {@link ObjectStore}: the configured bucket through quarkus-minio's client. */
@ApplicationScoped
public class StorageProducer {
    private static final Logger LOG = Logger.getLogger(StorageProducer.class);

    @Produces
    @Singleton
    @Startup
    ObjectStore objectStore(MinioClient client, IngestConfig config) {
        ObjectStore store = new ObjectStore(client, config.bucket());
        store.ensureBucket();
        LOG.infof("bucket %s ready", config.bucket());
        return store;
    }
}
