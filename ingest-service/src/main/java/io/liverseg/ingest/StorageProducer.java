package io.liverseg.ingest;

import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.S3HttpClients;
import io.minio.MinioClient;
import io.quarkiverse.minio.client.OptionalHttpClientProducer;
import io.quarkus.runtime.Startup;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.jboss.logging.Logger;

/** The service's one {@link ObjectStore}: the configured bucket through quarkus-minio's client. */
@ApplicationScoped
public class StorageProducer {
    private static final Logger LOG = Logger.getLogger(StorageProducer.class);

    /** The HTTP client quarkus-minio builds the MinioClient with: TCP_NODELAY ({@link S3HttpClients}). */
    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    OptionalHttpClientProducer s3HttpClient() {
        OkHttpClient client = S3HttpClients.shared();
        return name -> Optional.of(client);
    }

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
