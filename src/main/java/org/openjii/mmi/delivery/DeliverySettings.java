package org.openjii.mmi.delivery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;
import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.HttpProxy;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.support.Durations;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

/**
 * Reads a delivery's {@link Delivery.Settings} from the {@code mmi.mqtt.*} and {@code mmi.outbox.*} keys, checked
 * before anything starts: a value that cannot work stops startup with a sentence naming the key.
 * <p>
 * Keys: {@code mmi.mqtt.broker-url}, {@code client-id}, {@code protocol-version}, {@code username},
 * {@code password}, {@code password-file}, {@code cert-file}, {@code key-file}, {@code ca-file},
 * {@code allow-plaintext}, {@code alpn}, {@code proxy}, {@code qos} (only 1), {@code keep-alive},
 * {@code session-expiry}, {@code connect-timeout}, {@code max-reconnect-delay}, {@code puback-timeout},
 * {@code status-topic}, {@code message-expiry}, {@code flow-control}, {@code max-in-flight}; {@code mmi.outbox.dir},
 * {@code max-mb}, {@code dead-letter-max-mb}, {@code raw-input-max-age}, {@code full-policy}, {@code max-age};
 * {@code mmi.dead-letters}. The environment's {@code HTTPS_PROXY} and {@code NO_PROXY} are read when
 * {@code mmi.mqtt.proxy} is not set.
 */
public final class DeliverySettings {

    private DeliverySettings() {
    }

    /**
     * The settings configured by {@code mmi.mqtt.*} and {@code mmi.outbox.*}, with {@code brokerUrl} instead of
     * {@code mmi.mqtt.broker-url} (the embedded broker's {@code tcp://127.0.0.1:<port>}).
     *
     * @throws IllegalArgumentException naming the key, for a value that cannot work
     */
    public static Delivery.Settings fromProperties(PropertiesComponent properties, String brokerUrl) {
        return fromProperties(properties, brokerUrl, System.getenv());
    }

    /** As {@link #fromProperties(PropertiesComponent, String)}, with {@code env} for the proxy variables. */
    public static Delivery.Settings fromProperties(PropertiesComponent properties, String configuredUrl,
            Map<String, String> env) {
        String brokerUrl = BrokerTransport.normalizeUrl(configuredUrl);
        String qos = properties.resolveProperty("mmi.mqtt.qos").orElse("1").trim();
        if (!"1".equals(qos)) {
            throw new IllegalArgumentException("mmi.mqtt.qos must be 1, was " + qos + ": AWS IoT Core never"
                    + " acknowledges QoS 2, and QoS 0 gives no PUBACK to delete a message from the outbox after");
        }
        String clientId = properties.resolveProperty("mmi.mqtt.client-id").orElse("mmi");
        String statusTopic = properties.resolveProperty("mmi.mqtt.status-topic")
                .map(String::trim)
                .filter(topic -> !topic.isEmpty())
                .map(topic -> statusTopic(topic, clientId))
                .orElse(null);
        MqttVersion version = MqttVersion.parse(properties.resolveProperty(MqttVersion.SETTING).orElse("5"));
        MqttConnection.Settings connection = new MqttConnection.Settings(clientId,
                (int) seconds(properties, "mmi.mqtt.keep-alive", "60s"),
                seconds(properties, "mmi.mqtt.session-expiry", "1h"), statusTopic,
                (int) seconds(properties, "mmi.mqtt.connect-timeout", "30s"),
                Duration.ofSeconds(seconds(properties, "mmi.mqtt.max-reconnect-delay", "60s")), version,
                credentials(properties));
        int maxInFlight = integer(properties, "mmi.mqtt.max-in-flight", "100");
        FlowControl flow = FlowControl.forProfile(properties.resolveProperty("mmi.mqtt.flow-control").orElse("auto"),
                brokerUrl, maxInFlight);
        Duration messageExpiry = properties.resolveProperty("mmi.mqtt.message-expiry")
                .filter(text -> !text.isBlank())
                .map(text -> Duration.ofSeconds(seconds(properties, "mmi.mqtt.message-expiry", text)))
                .orElse(null);
        if (messageExpiry != null && (messageExpiry.toSeconds() < 1 || messageExpiry.toSeconds() > 604_800)) {
            throw new IllegalArgumentException("mmi.mqtt.message-expiry must be 1 s to 7 days (AWS IoT Core), was "
                    + messageExpiry.toSeconds() + " s");
        }
        OutboxBudget budget = outboxBudget(properties);
        return new Delivery.Settings(brokerUrl, path(properties, BrokerTransport.CERT_FILE_SETTING),
                path(properties, BrokerTransport.KEY_FILE_SETTING), path(properties, BrokerTransport.CA_FILE_SETTING),
                Boolean.parseBoolean(properties.resolveProperty(BrokerTransport.ALLOW_PLAINTEXT_SETTING)
                        .orElse("false")
                        .trim()),
                alpn(properties.resolveProperty(BrokerTransport.ALPN_SETTING).orElse("auto")),
                connection, flow, messageExpiry, Path.of(properties.resolveProperty("mmi.outbox.dir").orElse("outbox")),
                budget,
                Outbox.FullPolicy.parse(properties.resolveProperty("mmi.outbox.full-policy").orElse("reject")),
                Duration.ofSeconds(seconds(properties, "mmi.outbox.max-age", "15m")),
                DeadLetterMode.parse(properties.resolveProperty(DeadLetterMode.SETTING).orElse("publish")),
                proxy(properties.resolveProperty(HttpProxy.SETTING).orElse(null), env, brokerUrl),
                Duration.ofSeconds(seconds(properties, "mmi.mqtt.puback-timeout", "60s")));
    }

    /** The outbox's caps from {@code mmi.outbox.max-mb}, {@code dead-letter-max-mb} and {@code raw-input-max-age}. */
    public static OutboxBudget outboxBudget(PropertiesComponent properties) {
        return new OutboxBudget(integer(properties, "mmi.outbox.max-mb", "512") * 1024L * 1024,
                integer(properties, "mmi.outbox.dead-letter-max-mb", "64") * 1024L * 1024,
                Duration.ofMillis(Durations.millis(properties, "mmi.outbox.raw-input-max-age", "7d")));
    }

    private static BrokerCredentials credentials(PropertiesComponent properties) {
        try {
            return BrokerCredentials.of(properties.resolveProperty(BrokerCredentials.USERNAME_SETTING).orElse(null),
                    properties.resolveProperty(BrokerCredentials.PASSWORD_SETTING).orElse(null),
                    path(properties, BrokerCredentials.PASSWORD_FILE_SETTING));
        } catch (MqttConfigurationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static HttpProxy proxy(String setting, Map<String, String> env, String brokerUrl) {
        try {
            return HttpProxy.select(setting, env, brokerUrl).orElse(null);
        } catch (MqttConfigurationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The status topic for this client id; the id must be a valid topic segment. */
    private static String statusTopic(String template, String clientId) {
        try {
            return TopicTemplate.parse(template)
                    .requireKnown("mmi.mqtt.status-topic", List.of("clientId"))
                    .render(Map.of("clientId", clientId));
        } catch (InvalidTopicException | IllegalArgumentException e) {
            throw new IllegalArgumentException("mmi.mqtt.status-topic '" + template + "' with mmi.mqtt.client-id '"
                    + clientId + "' is not a valid topic: " + e.getMessage(), e);
        }
    }

    /** {@code auto} → {@code null} (the transport decides by port), {@code none} → no ALPN, else the list. */
    private static String alpn(String setting) {
        String alpn = setting.trim();
        return "auto".equals(alpn) ? null : "none".equals(alpn) ? "" : alpn;
    }

    private static long seconds(PropertiesComponent properties, String key, String defaultValue) {
        String text = properties.resolveProperty(key).orElse(defaultValue).trim();
        try {
            // A bare number is seconds; otherwise Camel's duration syntax (30s, 1h, 7d).
            return text.matches("\\d+") ? Long.parseLong(text)
                    : TimeUnit.MILLISECONDS.toSeconds(TimeUtils.toMilliSeconds(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " must be a duration such as 30s, 10m or 1h, was '" + text + "'",
                    e);
        }
    }

    private static int integer(PropertiesComponent properties, String key, String defaultValue) {
        String text = properties.resolveProperty(key).orElse(defaultValue).trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + text + "'", e);
        }
    }

    private static Path path(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key).map(String::trim).filter(p -> !p.isEmpty()).map(Path::of).orElse(null);
    }
}
