package io.liverseg.localstack;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An identity provider for tests of the services' "secured" profile: an RSA key pair made per JVM, the
 * configuration that makes a service verify tokens with its public key, and RS256 bearer JWTs signed with its
 * private key (plain JDK: header, claims and signature, base64url) — what a hospital's provider (Keycloak, AD FS)
 * issues, with {@code groups} carrying the roles.
 */
public final class TestIdentityProvider {
    /** The {@code iss} of its tokens. */
    public static final String ISSUER = "https://idp.liverseg.test/realms/radiology";
    private static final KeyPair KEYS = rsa();

    private TestIdentityProvider() {
    }

    /** A new RSA key pair, e.g. one the service does not trust. */
    public static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code mp.jwt.verify.publickey} (PEM) and {@code mp.jwt.verify.issuer} for a service under test. */
    public static Map<String, String> verificationConfig() {
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(KEYS.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----";
        return Map.of("mp.jwt.verify.publickey", pem, "mp.jwt.verify.issuer", ISSUER);
    }

    /** A token of this provider valid for five minutes, with these groups. */
    public static String token(String... groups) {
        return token(ISSUER, KEYS.getPrivate(), Instant.now().plusSeconds(300), groups);
    }

    /** A token with the given issuer, signing key and expiry (to test the refusals). */
    public static String token(String issuer, PrivateKey key, Instant expires, String... groups) {
        long now = Instant.now().getEpochSecond();
        String claims = "{\"iss\":\"" + issuer + "\",\"sub\":\"someone\",\"upn\":\"someone@hospital.test\","
                + "\"iat\":" + Math.min(now, expires.getEpochSecond() - 60) + ",\"exp\":" + expires.getEpochSecond()
                + ",\"groups\":[" + Stream.of(groups).map(g -> "\"" + g + "\"").collect(Collectors.joining(","))
                + "]}";
        String signed = base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + base64Url(claims);
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key);
            rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
            return signed + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The provider's own signing key. */
    public static PrivateKey signingKey() {
        return KEYS.getPrivate();
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
