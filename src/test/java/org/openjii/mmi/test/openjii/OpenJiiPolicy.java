package org.openjii.mmi.test.openjii;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * openJII's IoT policy, as Mosquitto can enforce it and as its log can be checked against it. openJII generates
 * the policy from its {@code asyncapi.yaml} channels ({@code infrastructure/modules/iot-core/main.tf}): a device may
 * connect with any client id; publish on {@code experiment/data_ingest/v1/{experimentId}/{sensorType}/}
 * {@code {sensorVersion}/{sensorId}} (and the legacy shape with a trailing {@code {protocolId}}); subscribe to and
 * receive only {@code device/scripts/v1/{sensorType}/{sensorVersion}/{thingName}} for its own Thing name (its client
 * id); it has no {@code iot:RetainPublish}. The cloud ({@value #CLOUD_USER}) publishes the retained scripts and reads
 * the data channels, as openJII's backend and IoT rule do.
 * <p>
 * Differences the log checks make up for: Mosquitto's {@code acl_file} neither refuses a subscription (it grants it
 * and delivers nothing the read ACL forbids) nor a retained publish or a Will (it has no retain right); AWS's
 * {@code *} also matches deeper topics, where the ACL's {@code +} matches one level.
 */
public final class OpenJiiPolicy {

    /** The CN of the cloud's client certificate, its user name on the broker. */
    public static final String CLOUD_USER = "openjii-cloud";

    /** The {@code acl_file}: {@code %c} is the client id, which must be the Thing name. */
    public static final List<String> ACL = List.of(
            "# openJII's IoT policy (asyncapi.yaml channels): devices, whatever their user name",
            "pattern write experiment/data_ingest/v1/+/+/+/+",
            "pattern write experiment/data_ingest/v1/+/+/+/+/+",
            "pattern read device/scripts/v1/+/+/%c",
            "",
            "# The cloud: retained script updates out, data in",
            "user " + CLOUD_USER,
            "topic write device/scripts/#",
            "topic read experiment/data_ingest/#");

    private static final Pattern DATA_TOPIC = Pattern.compile("experiment/data_ingest/v1(/[^/+#]+){4,5}");

    private OpenJiiPolicy() {
    }

    /** True for a topic of the data channels (four or five levels after {@code experiment/data_ingest/v1}). */
    public static boolean isDataTopic(String topic) {
        return DATA_TOPIC.matcher(topic).matches();
    }

    /** True when a device connected as {@code clientId} may subscribe to {@code filter}: its own script topic. */
    public static boolean maySubscribe(String clientId, String filter) {
        String[] levels = filter.split("/", -1);
        return levels.length == 6 && filter.startsWith("device/scripts/v1/") && !levels[3].equals("#")
                && !levels[4].equals("#") && levels[5].equals(clientId);
    }

    /**
     * What the broker's log shows devices (every client but the cloud) doing that openJII's IoT Core refuses or its
     * device contract excludes, one line each: denied publishes, retained publishes, Wills, subscriptions to other
     * than the own script topic, and a client id other than the certificate's CN (the Thing name). Empty when all
     * is well.
     */
    public static List<String> violations(MosquittoLog log) {
        List<String> violations = new ArrayList<>();
        log.deniedPublishes()
                .forEach(p -> violations.add("denied PUBLISH from " + p.clientId() + " on '" + p.topic() + "'"));
        log.retainedPublishes()
                .stream()
                .filter(p -> !CLOUD_USER.equals(p.username()))
                .forEach(p -> violations.add("retained PUBLISH from " + p.clientId() + " on '" + p.topic()
                        + "' (a device has no retain right)"));
        log.wills()
                .stream()
                .filter(w -> !CLOUD_USER.equals(w.username()))
                .forEach(w -> violations.add("Will from " + w.clientId() + " on '" + w.topic() + "'"));
        log.subscriptions()
                .stream()
                .filter(s -> !CLOUD_USER.equals(s.username()) && !maySubscribe(s.clientId(), s.filter()))
                .forEach(s -> violations.add("SUBSCRIBE from " + s.clientId() + " to '" + s.filter()
                        + "' (not its own device/scripts/v1/+/+/" + s.clientId() + ")"));
        log.connections()
                .stream()
                .filter(c -> !CLOUD_USER.equals(c.username()) && !c.clientId().equals(c.username()))
                .forEach(c -> violations.add("client id " + c.clientId() + " connected with the certificate of "
                        + c.username()));
        return violations;
    }
}
