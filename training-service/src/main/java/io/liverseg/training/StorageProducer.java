package io.liverseg.training;

import io.liverseg.imaging.nifti.NiftiReader;
import io.liverseg.storage.ModelRegistry;
import io.liverseg.storage.ObjectStore;
import io.minio.MinioClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's S3 bucket, model registry and NIfTI reader. */
@ApplicationScoped
public class StorageProducer {

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
}
