package org.openjii.mmi.openjii;

import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads one onboarding file: JSON, then openJII's schema ({@link OnboardingSchema}), then what mmi relies on beyond
 * it: a bare endpoint host, a Thing name and topic prefixes that are valid MQTT topic segments, and prefixes of the
 * shape {@code experiment/data_ingest/v1/{experimentId}/{sensorType}} (openJII's IoT policy allows devices nothing
 * else, and its IoT rule matches exactly seven topic levels once the device adds two).
 */
public final class OnboardingFiles {

    /** What openJII's IoT policy lets a device publish under. */
    public static final String DATA_TOPIC_ROOT = "experiment/data_ingest/v1/";
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

    private OnboardingFiles() {
    }

    /** A file that is not a usable onboarding file; the message is one line naming the file and the first problem. */
    public static final class InvalidOnboardingFileException extends Exception {

        InvalidOnboardingFileException(String message) {
            super(message);
        }
    }

    /**
     * @param origin the file as the user knows it, for messages ({@code downloads/lab-configs.zip!x-config.json})
     */
    public static OnboardingConfig parse(byte[] json, String origin) throws InvalidOnboardingFileException {
        JsonNode root;
        try {
            root = DeviceJson.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(json);
        } catch (JsonProcessingException e) {
            throw invalid(origin, "not JSON: " + e.getOriginalMessage().replace('\n', ' '));
        } catch (IOException e) {
            throw invalid(origin, "unreadable: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw invalid(origin, "the file is empty");
        }
        List<String> violations = OnboardingSchema.violations(root);
        if (!violations.isEmpty()) {
            throw invalid(origin,
                    "not an openJII onboarding file: " + String.join("; ", violations.subList(0, Math.min(3,
                            violations.size())))
                            + (violations.size() > 3 ? "; and " + (violations.size() - 3) + " more" : ""));
        }
        OnboardingConfig config = OnboardingConfig.fromValidated(root);
        check(config, origin);
        return config;
    }

    private static void check(OnboardingConfig config, String origin) throws InvalidOnboardingFileException {
        segment(origin, "thingName", config.thingName());
        if (!HOST.matcher(config.endpoint()).matches()) {
            throw invalid(origin, "endpoint " + TopicTemplate.show(config.endpoint()) + " is not a host name (openJII"
                    + " gives AWS IoT's data endpoint, e.g. a1b2c3-ats.iot.eu-central-1.amazonaws.com)");
        }
        for (OnboardingConfig.Experiment experiment : config.experiments()) {
            String prefix = experiment.topicPrefix();
            String expectedStart = DATA_TOPIC_ROOT + experiment.experimentId() + "/";
            if (!prefix.startsWith(expectedStart) || prefix.substring(expectedStart.length()).contains("/")) {
                throw invalid(origin, "experiment " + experiment.experimentId() + ": topicPrefix " + TopicTemplate
                        .show(prefix) + " is not " + expectedStart + "{sensorType}");
            }
            segment(origin, "experiment " + experiment.experimentId() + " topicPrefix", prefix.substring(expectedStart
                    .length()));
        }
    }

    private static void segment(String origin, String what, String value) throws InvalidOnboardingFileException {
        try {
            TopicTemplate.checkValue(what, value);
        } catch (InvalidTopicException e) {
            throw invalid(origin, e.getMessage());
        }
    }

    private static InvalidOnboardingFileException invalid(String origin, String problem) {
        return new InvalidOnboardingFileException(origin + ": " + problem);
    }
}
