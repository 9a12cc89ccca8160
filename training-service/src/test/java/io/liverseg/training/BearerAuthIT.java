package io.liverseg.training;

import static io.restassured.RestAssured.given;

import io.liverseg.localstack.LocalStackResource;
import io.liverseg.localstack.TestIdentityProvider;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * The "secured" profile as a deployment turns it on: /api/* needs a valid bearer JWT, and what changes the
 * serving model or starts training (POST) the admin group; health and metrics stay open.
 */
@QuarkusTest
@TestProfile(BearerAuthProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, initArgs = {
        @ResourceArg(name = LocalStackResource.BUCKETS, value = "liverseg"),
        @ResourceArg(name = LocalStackResource.TOPICS, value = "liverseg.scans.labeled:2,liverseg.scans.deleted:2,"
                + "liverseg.training.progress,liverseg.training.finished,liverseg.models.promoted,"
                + "liverseg.dead-letter")})
class BearerAuthIT {
    private static RequestSpecification as(String... groups) {
        return given().header("Authorization", "Bearer " + TestIdentityProvider.token(groups));
    }

    @Test
    void readingTakesATokenAndChangingTheAdminGroup() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);

        given().get("/api/training/runs").then().statusCode(401);
        given().get("/api/models").then().statusCode(401);
        as("liverseg-user").get("/api/training/runs").then().statusCode(200);
        as("liverseg-user").get("/api/models").then().statusCode(200);

        // start a run, promote, roll back: admins only; past the door the service judges the request as ever
        as("liverseg-user").contentType(ContentType.JSON).body("{\"epochs\": 0}").post("/api/training/runs")
                .then().statusCode(403);
        as("liverseg-admin").contentType(ContentType.JSON).body("{\"epochs\": 0}").post("/api/training/runs")
                .then().statusCode(400);
        as("liverseg-user").post("/api/models/999/promote").then().statusCode(403);
        as("liverseg-user").post("/api/models/999/rollback").then().statusCode(403);
        as("liverseg-admin").post("/api/models/999/promote").then().statusCode(404);
        given().post("/api/models/999/promote").then().statusCode(401);
    }
}
