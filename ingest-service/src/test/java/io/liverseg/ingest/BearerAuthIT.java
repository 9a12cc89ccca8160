package io.liverseg.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.liverseg.localstack.LocalStackResource;
import io.liverseg.localstack.TestIdentityProvider;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The "secured" profile as a deployment turns it on: /api/* needs a valid bearer JWT of the configured issuer,
 * DELETE the admin group; health and metrics stay open.
 */
@QuarkusTest
@TestProfile(BearerAuthProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.scans.received:3,liverseg.scans.labeled:3,"
                + "liverseg.scans.failed:3,liverseg.scans.deleted:3,liverseg.bucket.notifications:3,"
                + "liverseg.dead-letter")})
class BearerAuthIT {
    private static final String UNKNOWN = "/api/scans/" + "0".repeat(64);

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    @Test
    void healthAndMetricsStayOpenForProbesAndPrometheus() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void theApiWantsAValidTokenOfTheConfiguredIssuer() {
        given().get(UNKNOWN).then().statusCode(401);
        given().contentType("application/octet-stream").body(new byte[] {1, 2, 3}).post("/api/scans")
                .then().statusCode(401);
        as("not.a.jwt").get(UNKNOWN).then().statusCode(401);
        Instant later = Instant.now().plusSeconds(300);
        as(TestIdentityProvider.token(TestIdentityProvider.ISSUER, TestIdentityProvider.rsa().getPrivate(), later,
                "liverseg-user")).get(UNKNOWN).then().statusCode(401);
        as(TestIdentityProvider.token("https://elsewhere.test", TestIdentityProvider.signingKey(), later,
                "liverseg-user")).get(UNKNOWN).then().statusCode(401);
        as(TestIdentityProvider.token(TestIdentityProvider.ISSUER, TestIdentityProvider.signingKey(),
                Instant.now().minusSeconds(600), "liverseg-user")).get(UNKNOWN).then().statusCode(401);

        given().get("/api/scans").then().statusCode(401);

        // past the door, the service answers as ever
        as(TestIdentityProvider.token("liverseg-user")).get(UNKNOWN).then().statusCode(404);
        as(TestIdentityProvider.token("liverseg-user")).get("/api/scans").then().statusCode(200);
        int refused = as(TestIdentityProvider.token("liverseg-user")).contentType("application/octet-stream")
                .body(new byte[] {1, 2, 3}).post("/api/scans").then().extract().statusCode();
        assertThat(refused).as("a bad file is the service's refusal, not the door's").isBetween(400, 415)
                .isNotIn(401, 403);
    }

    @Test
    void deletingTakesTheAdminGroup() {
        as(TestIdentityProvider.token("liverseg-user")).delete(UNKNOWN).then().statusCode(403);
        as(TestIdentityProvider.token("liverseg-admin")).delete(UNKNOWN).then().statusCode(404);
        given().delete(UNKNOWN).then().statusCode(401);
    }
}
