/**
 * The transport of an MQTT connection: {@link org.openjii.mmi.delivery.tls.BrokerTransport} reads the PEM files AWS
 * IoT issues (certificate, private key, Amazon Root CA) as they are, checks them before the first connect, and gives
 * the MQTT client a TLS context with TLS 1.3/1.2, the configured trust and ALPN for port 443 (host name verification
 * is on in the client). Every problem it finds is a {@link org.openjii.mmi.delivery.tls.MqttConfigurationException}
 * naming the setting and the file.
 */
package org.openjii.mmi.delivery.tls;
