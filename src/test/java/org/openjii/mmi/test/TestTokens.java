package org.openjii.mmi.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/** Tokens shaped as a broker's JWT plugin takes them as the MQTT password (VerneMQ's, for example). */
public final class TestTokens {

    private TestTokens() {
    }

    /**
     * A JSON Web Token's shape, {@code header.claims.signature} in Base64url, with {@code sub} and an {@code exp}
     * {@code validFor} from now. The signature is not one: the test brokers compare the token as a password.
     */
    public static String jwt(String subject, Duration validFor) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = base64.encodeToString(("{\"sub\":\"" + subject + "\",\"exp\":"
                + Instant.now().plus(validFor).getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8));
        String signature = base64.encodeToString((subject + "-signature-" + System.nanoTime())
                .getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + "." + signature;
    }
}
