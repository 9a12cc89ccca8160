package io.liverseg.ingest;

import io.liverseg.localstack.TestIdentityProvider;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The shipped "secured" profile, trusting local-stack's {@link TestIdentityProvider}. */
public class BearerAuthProfile implements QuarkusTestProfile {
    @Override
    public String getConfigProfile() {
        return "test,secured";
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return TestIdentityProvider.verificationConfig();
    }
}
