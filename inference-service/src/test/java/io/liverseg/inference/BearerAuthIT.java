package io.liverseg.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.liverseg.localstack.LocalStackResource;
import io.liverseg.localstack.TestIdentityProvider;
import io.liverseg.proto.segmentation.v1.ListModelsRequest;
import io.liverseg.proto.segmentation.v1.SegmentationGrpc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The "secured" profile on the gRPC API: the segmentation service wants a valid bearer JWT in the call's
 * {@code authorization} metadata; gRPC health stays open for probes.
 */
@QuarkusTest
@TestProfile(BearerAuthProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.slices.ready:2,liverseg.masks.ready,"
                + "liverseg.metrics,liverseg.scans.failed,liverseg.dead-letter")})
class BearerAuthIT {
    @TestHTTPResource("/")
    URL url;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private SegmentationGrpc.SegmentationBlockingStub stub(String token) {
        SegmentationGrpc.SegmentationBlockingStub s = SegmentationGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        if (token == null) {
            return s;
        }
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static Status.Code codeOf(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void theSegmentationApiWantsAValidTokenAndHealthStaysOpen() {
        assertThat(HealthGrpc.newBlockingStub(channel).check(HealthOuterClass.HealthCheckRequest.newBuilder()
                .setService("").build()).getStatus())
                .isEqualTo(HealthOuterClass.HealthCheckResponse.ServingStatus.SERVING);

        ListModelsRequest list = ListModelsRequest.newBuilder().build();
        assertThat(codeOf(() -> stub(null).listModels(list))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(codeOf(() -> stub("not.a.jwt").listModels(list))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(codeOf(() -> stub(TestIdentityProvider.token(TestIdentityProvider.ISSUER,
                TestIdentityProvider.rsa().getPrivate(), Instant.now().plusSeconds(300), "liverseg-user"))
                .listModels(list))).isEqualTo(Status.Code.UNAUTHENTICATED);

        assertThat(stub(TestIdentityProvider.token("liverseg-user")).listModels(list).getTasksList())
                .extracting(t -> t.getTask()).contains("liver");
        assertThatThrownBy(() -> stub(TestIdentityProvider.token("liverseg-user")).getScan(
                io.liverseg.proto.segmentation.v1.GetScanRequest.newBuilder().setScanId("0".repeat(64)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                        .isEqualTo(Status.Code.NOT_FOUND));
    }
}
