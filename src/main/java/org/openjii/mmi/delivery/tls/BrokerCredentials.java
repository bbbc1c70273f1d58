package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The user name and password (or token) a broker asks for in CONNECT: {@code mmi.mqtt.username} with
 * {@code mmi.mqtt.password} (best set as the environment variable {@code MMI_MQTT_PASSWORD}, never in a properties
 * file) or {@code mmi.mqtt.password-file}. A password file is read again before every connection attempt, so a token
 * a sidecar refreshes (a JWT with an {@code exp}) is used from the next reconnect on.
 * <p>
 * The password is never part of a message: {@link #describe()} says where it comes from, not what it is.
 */
public final class BrokerCredentials {

    public static final String USERNAME_SETTING = "mmi.mqtt.username";
    public static final String PASSWORD_SETTING = "mmi.mqtt.password";
    public static final String PASSWORD_FILE_SETTING = "mmi.mqtt.password-file";
    /** No user name, no password: the broker knows the client by its certificate, or lets anyone in. */
    public static final BrokerCredentials NONE = new BrokerCredentials(null, null, null);
    /** Far beyond any token; a larger file is not a password file. */
    private static final int MAX_PASSWORD_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String username;
    private final byte[] password;
    private final ConfiguredFile passwordFile;

    private BrokerCredentials(String username, byte[] password, ConfiguredFile passwordFile) {
        this.username = username;
        this.password = password;
        this.passwordFile = passwordFile;
    }

    /**
     * Checks the settings together; a password file must be readable now, and readable by no one but its owner and
     * group ({@link PrivateFileMode}). The mode is checked here, at startup, only: a token refresher that rewrites the
     * file later with a wider mode must not stop delivery in the field.
     *
     * @param username null or blank for none
     * @param password null or empty for none
     * @param passwordFile null or empty for none
     * @throws MqttConfigurationException naming the settings, for a password and a password file together, a password
     *     file that cannot be read or that others may read, or a password without a user name
     */
    public static BrokerCredentials of(String username, String password, Path passwordFile)
            throws MqttConfigurationException {
        String user = username == null || username.isBlank() ? null : username.strip();
        byte[] secret = password == null || password.isEmpty() ? null : password.getBytes(StandardCharsets.UTF_8);
        ConfiguredFile file = passwordFile == null || passwordFile.toString().isBlank() ? null
                : new ConfiguredFile(PASSWORD_FILE_SETTING, passwordFile);
        if (secret != null && file != null) {
            throw new MqttConfigurationException(PASSWORD_SETTING + " and " + PASSWORD_FILE_SETTING + " are both set;"
                    + " give the password one way only (the file is read again at every reconnect).");
        }
        if (user == null && (secret != null || file != null)) {
            throw new MqttConfigurationException((secret != null ? PASSWORD_SETTING : PASSWORD_FILE_SETTING)
                    + " is set but " + USERNAME_SETTING + " is not; MQTT sends a password only with a user name"
                    + " (a broker that reads a token as the password takes any user name, e.g. the client id).");
        }
        BrokerCredentials credentials = new BrokerCredentials(user, secret, file);
        if (file != null) {
            credentials.password();
            String tooOpen = PrivateFileMode.problem(file.path(), "the password file");
            if (tooOpen != null) {
                throw file.problem(tooOpen);
            }
        }
        return credentials;
    }

    /** The user name, or null. */
    public String username() {
        return username;
    }

    /** Whether a password (or token) is sent with the user name. */
    public boolean hasPassword() {
        return password != null || passwordFile != null;
    }

    /** True without user name and password. */
    public boolean none() {
        return username == null;
    }

    /**
     * The password now: the configured one, or what the password file holds at this moment (a final line break
     * removed, as editors and {@code echo} add one).
     *
     * @return null without a password
     * @throws MqttConfigurationException naming {@value #PASSWORD_FILE_SETTING}, when the file cannot be read or is
     *     empty
     */
    public byte[] password() throws MqttConfigurationException {
        if (passwordFile == null) {
            return password == null ? null : password.clone();
        }
        passwordFile.checkReadable();
        byte[] content;
        try {
            if (Files.size(passwordFile.path()) > MAX_PASSWORD_BYTES) {
                throw passwordFile.problem("the file is larger than " + MAX_PASSWORD_BYTES / 1024 + " KiB, which no"
                        + " password or token is; name the file that holds only the password");
            }
            content = Files.readAllBytes(passwordFile.path());
        } catch (IOException e) {
            throw passwordFile.problem("the file cannot be read (" + e.getMessage() + ")");
        }
        int end = content.length;
        while (end > 0 && (content[end - 1] == '\n' || content[end - 1] == '\r')) {
            end--;
        }
        if (end == 0) {
            throw passwordFile.problem("the file is empty; it must hold the password (or token)");
        }
        return Arrays.copyOf(content, end);
    }

    /** The file the password is read from, or null. */
    public Path passwordFile() {
        return passwordFile == null ? null : passwordFile.path();
    }

    /** Which setting the password comes from, for messages ({@code mmi.mqtt.password-file /run/secrets/token}). */
    public String passwordSource() {
        return passwordFile != null ? passwordFile.toString() : password != null ? PASSWORD_SETTING : "none";
    }

    /**
     * When a password is a JSON Web Token: the time of its {@code exp} claim (RFC 7519), read without checking the
     * signature (only the broker can), to say in the log that a refused token had expired.
     */
    public static Optional<Instant> tokenExpiry(byte[] password) {
        if (password == null) {
            return Optional.empty();
        }
        String[] parts = new String(password, StandardCharsets.US_ASCII).strip().split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            JsonNode exp = claims == null ? null : claims.get("exp");
            return exp != null && exp.canConvertToLong() ? Optional.of(Instant.ofEpochSecond(exp.asLong()))
                    : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** For the log: the user name and where the password comes from, never the password. */
    public String describe() {
        if (username == null) {
            return "no user name or password";
        }
        return "user name '" + username + "'" + (passwordFile != null ? " with the password from " + passwordFile
                : password != null ? " with a password (" + PASSWORD_SETTING + ")" : " without a password");
    }

    @Override
    public String toString() {
        return describe();
    }
}
