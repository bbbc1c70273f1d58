package org.openjii.mmi.delivery.tls;

/**
 * A configuration problem found before or while connecting to the broker, which retrying will not fix. The message
 * names the setting, its file or URL, and the problem in one sentence an operator can act on, so it is meant to be
 * logged as it is, without a stack trace. Messages never contain key material.
 */
public class MqttConfigurationException extends Exception {

    public MqttConfigurationException(String message) {
        super(message);
    }

    public MqttConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
