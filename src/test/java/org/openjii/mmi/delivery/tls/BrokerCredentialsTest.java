package org.openjii.mmi.delivery.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The user name and password of CONNECT: which settings go together, the password file, and what is shown. */
class BrokerCredentialsTest {

    @TempDir
    Path dir;

    @Test
    void noUserNameMeansNoCredentials() throws Exception {
        BrokerCredentials none = BrokerCredentials.of(" ", "", null);
        assertThat(none.none()).isTrue();
        assertThat(none.hasPassword()).isFalse();
        assertThat(none.describe()).isEqualTo("no user name or password");
    }

    @Test
    void aPasswordIsSentAsGivenAndNeverShown() throws Exception {
        BrokerCredentials credentials = BrokerCredentials.of("lab-3", "s3cret", null);
        assertThat(credentials.password()).isEqualTo("s3cret".getBytes(StandardCharsets.UTF_8));
        assertThat(credentials.describe()).isEqualTo("user name 'lab-3' with a password (mmi.mqtt.password)")
                .doesNotContain("s3cret");
        assertThat(credentials.toString()).doesNotContain("s3cret");
    }

    @Test
    void aPasswordFileIsReadAtEveryCallWithoutItsFinalLineBreak() throws Exception {
        Path file = TestPki.ownerOnly(Files.writeString(dir.resolve("token"), "first\n"));
        BrokerCredentials credentials = BrokerCredentials.of("lab-3", null, file);
        assertThat(credentials.password()).isEqualTo("first".getBytes(StandardCharsets.UTF_8));

        Files.writeString(file, "second\r\n");
        assertThat(credentials.password()).isEqualTo("second".getBytes(StandardCharsets.UTF_8));
        assertThat(credentials.describe()).isEqualTo("user name 'lab-3' with the password from "
                + "mmi.mqtt.password-file " + file);
    }

    @Test
    void aPasswordFileOthersMayReadIsRefusedAtStartupOnly() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "t0ken\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> BrokerCredentials.of("lab-3", null, file))
                .hasMessage("mmi.mqtt.password-file " + file + ": the password file is readable by every user of this"
                        + " machine (mode rw-r--r--), and whoever reads it can connect as this bridge; allow only its"
                        + " owner (chmod 600 " + file + ") or also its group (chmod 640; a Kubernetes Secret:"
                        + " defaultMode 0440).")
                .hasMessageNotContaining("t0ken");

        // Group read is how Kubernetes mounts a Secret for the pod's fsGroup.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
        BrokerCredentials credentials = BrokerCredentials.of("lab-3", null, file);
        // A token refresher that later writes the file with a wider mode does not stop the reconnects.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(credentials.password()).isEqualTo("t0ken".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPasswordFileMustBeThereAndHoldSomething() throws Exception {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> BrokerCredentials.of("lab-3", null, missing))
                .hasMessage("mmi.mqtt.password-file " + missing + ": the file does not exist.");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> BrokerCredentials.of("lab-3", null, empty))
                .hasMessageContaining("the file is empty");
    }

    @Test
    void theSettingsThatCannotGoTogetherAreNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "t");
        assertThatThrownBy(() -> BrokerCredentials.of("lab-3", "p", file))
                .hasMessageStartingWith("mmi.mqtt.password and mmi.mqtt.password-file are both set");
        assertThatThrownBy(() -> BrokerCredentials.of(null, "s3cret", null))
                .hasMessageStartingWith("mmi.mqtt.password is set but mmi.mqtt.username is not")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void aTokensExpiryIsReadFromItsClaims() {
        String token = TestTokens.jwt("device-7", Duration.ofMinutes(5));
        assertThat(BrokerCredentials.tokenExpiry(token.getBytes(StandardCharsets.US_ASCII)))
                .hasValueSatisfying(expiry -> assertThat(expiry).isBetween(Instant.now(),
                        Instant.now().plus(Duration.ofMinutes(6))));
        assertThat(BrokerCredentials.tokenExpiry("not.a.token".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(BrokerCredentials.tokenExpiry("password".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }
}
