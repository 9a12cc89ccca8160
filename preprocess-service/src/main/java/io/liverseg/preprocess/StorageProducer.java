package io.liverseg.preprocess;

import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.RegistrySeeding;
import io.liverseg.storage.S3HttpClients;
import io.minio.MinioClient;
import io.quarkiverse.minio.client.OptionalHttpClientProducer;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.jboss.logging.Logger;

/** The service's S3 bucket, model registry (seeded from {@code liverseg.registry.seed-dir}) and NIfTI reader. */
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
    ObjectStore objectStore(MinioClient client, PreprocessConfig config) {
        return new ObjectStore(client, config.bucket());
    }

    @Produces
    @Singleton
    ModelRegistry modelRegistry(ObjectStore store) {
        return new ModelRegistry(store);
    }

    @Produces
    @Singleton
    NiftiReader niftiReader() {
        return NiftiReader.defaults();
    }

    @Produces
    @Singleton
    RegistrySeeding registrySeeding(ObjectStore store, ModelRegistry registry, PreprocessConfig config) {
        return new RegistrySeeding(store, registry, config.registry().seedDir(), LOG::info);
    }

    /** Seeds at start; if S3 is not reachable yet, the next message tries again before it is processed. */
    void onStart(@Observes StartupEvent event, RegistrySeeding seeding) {
        seeding.tryEnsureReady().ifPresent(e -> LOG.errorf(e, "bucket or registry seeding failed at start (retried"
                + " with the next message): %s", e.getMessage()));
    }
}
