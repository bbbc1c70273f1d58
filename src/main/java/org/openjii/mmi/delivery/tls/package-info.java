/**
 * The TLS transport of mmi's one MQTT connection: {@link org.openjii.mmi.delivery.tls.BrokerTransport} reads the PEM
 * files AWS IoT issues (certificate, private key, Amazon Root CA) as they are, checks them before the first connect,
 * and gives Paho a socket factory with TLS 1.2+, hostname verification, ALPN for port 443 and {@code TCP_NODELAY}.
 * Every problem it finds is a {@link org.openjii.mmi.delivery.tls.MqttConfigurationException} naming the setting and
 * the file.
 */
package org.openjii.mmi.delivery.tls;
