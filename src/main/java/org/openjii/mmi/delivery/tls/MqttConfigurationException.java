package org.openjii.mmi.delivery.tls;

/** STUB until the delivery-tls branch lands. */
public class MqttConfigurationException extends Exception {

    public MqttConfigurationException(String message) {
        super(message);
    }

    public MqttConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
