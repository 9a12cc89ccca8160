package io.liverseg.localstack;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * A Quarkus test profile that runs a service with its shipped {@code secured} profile (on top of {@code test}),
 * trusting {@link TestIdentityProvider}: {@code @TestProfile(SecuredProfile.class)}.
 */
public class SecuredProfile implements QuarkusTestProfile {
    @Override
    public String getConfigProfile() {
        return "test,secured";
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return TestIdentityProvider.verificationConfig();
    }
}
