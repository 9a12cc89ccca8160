package io.liverseg.training;

import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import io.liverseg.storage.RegistrySeeding;
import io.liverseg.storage.S3HttpClients;
import io.minio.MinioClient;
import io.quarkiverse.minio.client.OptionalHttpClientProducer;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
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
    ObjectStore objectStore(MinioClient client, TrainingServiceConfig config) {
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
    RegistrySeeding registrySeeding(ObjectStore store, ModelRegistry registry, TrainingServiceConfig config) {
        return new RegistrySeeding(store, registry, config.registry().seedDir(), LOG::info);
    }
}
