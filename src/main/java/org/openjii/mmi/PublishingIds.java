package org.openjii.mmi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.camel.spi.PropertiesComponent;

/**
 * The ids every data message is filed under in openJII, checked at startup before anything is published
 * (docs/openjii-message.md, "Experiment and protocol ids"):
 * <ul>
 * <li>The {@code aws} profile publishes to openJII for real: it needs {@value #EXPERIMENT_ID} and
 * {@value #PROTOCOL_ID} ({@value #DEMO_EXPERIMENT} counts as unset). Without a protocol id openJII leaves every row
 * unattributed.</li>
 * <li>In any profile, {@value #DEMO_EXPERIMENT}, application.properties' placeholder for trying mmi, goes only to a
 * broker on this machine: the embedded one, {@code log}, or one on a loopback address. A broker elsewhere is someone's
 * real broker, where demo data would be filed as an experiment nobody has.</li>
 * <li>In openJII mode ({@value #OPENJII_DIR} set) the ids come from openJII's own files, so none of this applies.</li>
 * </ul>
 * A refusal is one line that names the key and how to set it.
 */
public final class PublishingIds {

    public static final String EXPERIMENT_ID = "mmi.experiment-id";
    public static final String PROTOCOL_ID = "mmi.protocol-id";
    public static final String BROKER_URL = "mmi.mqtt.broker-url";
    public static final String OPENJII_DIR = "mmi.openjii.dir";
    /** application.properties' experiment id: for trying mmi on one machine. */
    public static final String DEMO_EXPERIMENT = "demo-experiment";
    /** The profile that publishes to openJII on AWS IoT Core (application-aws.properties). */
    public static final String AWS_PROFILE = "aws";

    /** The host of a broker URL (scheme, user info and port aside; a bare host is AWS IoT's form). */
    private static final Pattern HOST = Pattern.compile("^(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:[^/]*@)?"
            + "(\\[[^\\]]*]|[^:/?#]*)");
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(?:\\.\\d{1,3}){3}");

    private PublishingIds() {
    }

    /**
     * Refuses ids that would file data wrongly.
     *
     * @throws IllegalArgumentException with one line naming the key
     */
    public static void check(PropertiesComponent properties) {
        String problem = problem(setting(properties, MmiApplication.PROFILE_KEY),
                setting(properties, EXPERIMENT_ID), setting(properties, PROTOCOL_ID),
                setting(properties, BROKER_URL), setting(properties, OPENJII_DIR));
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    private static String setting(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key).map(String::trim).filter(value -> !value.isEmpty()).orElse(null);
    }

    /**
     * What is wrong with the settings, or {@code null}. Each argument is trimmed, {@code null} when unset or blank;
     * the broker URL is {@code null} also when the key is set to an empty value.
     */
    public static String problem(String profile, String experimentId, String protocolId, String brokerUrl,
            String openJiiDir) {
        if (openJiiDir != null) {
            return null;
        }
        // The aws profile's first question is the endpoint (its empty broker URL, named when the connection is made).
        if (AWS_PROFILE.equals(profile) && brokerUrl != null) {
            List<String> missing = new ArrayList<>();
            if (experimentId == null || DEMO_EXPERIMENT.equals(experimentId)) {
                missing.add(EXPERIMENT_ID);
            }
            if (protocolId == null) {
                missing.add(PROTOCOL_ID);
            }
            if (missing.isEmpty()) {
                return null;
            }
            return String.join(" and ", missing) + (missing.size() == 1 ? " is" : " are") + " not set"
                    + (DEMO_EXPERIMENT.equals(experimentId) ? " (" + DEMO_EXPERIMENT + " is the placeholder for trying"
                            + " mmi)" : "")
                    + ": the aws profile publishes to openJII, which files every measurement by its experiment and"
                    + " protocol; set " + missing.stream()
                            .map(key -> key + " (" + ConfigurationKeys.envName(key) + ")")
                            .collect(Collectors.joining(" and "))
                    + " to the ids openJII shows for them";
        }
        if (DEMO_EXPERIMENT.equals(experimentId) && brokerUrl != null && !onThisMachine(brokerUrl)) {
            return EXPERIMENT_ID + " is " + DEMO_EXPERIMENT + ", the placeholder for trying mmi on this machine, but "
                    + BROKER_URL + " names a broker on " + host(brokerUrl) + ": set " + EXPERIMENT_ID + " ("
                    + ConfigurationKeys.envName(EXPERIMENT_ID) + ") to the experiment the data belongs to";
        }
        return null;
    }

    /** The embedded broker, {@code log}, or a broker on a loopback address (by name {@code localhost}). */
    static boolean onThisMachine(String brokerUrl) {
        if ("embedded".equals(brokerUrl) || "log".equals(brokerUrl)) {
            return true;
        }
        String host = host(brokerUrl).toLowerCase(Locale.ROOT);
        return host.equals("localhost") || host.endsWith(".localhost") || IPV4_LOOPBACK.matcher(host).matches()
                || host.equals("[::1]") || host.equals("[0:0:0:0:0:0:0:1]");
    }

    /** The host of a broker URL, without user name, password or port: safe to print. */
    static String host(String brokerUrl) {
        Matcher matcher = HOST.matcher(brokerUrl.trim());
        return matcher.find() ? matcher.group(1) : "";
    }
}
