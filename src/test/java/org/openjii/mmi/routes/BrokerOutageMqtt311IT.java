package org.openjii.mmi.routes;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BrokerOutageScenario} with {@code mmi.mqtt.protocol-version=3.1.1}: the same zero-loss guarantee, the message
 * id in the payload.
 */
class BrokerOutageMqtt311IT extends BrokerOutageScenario {

    static {
        brokerConfig = BrokerOutageScenario::persistentBroker;
    }

    @BeforeAll
    static void mqtt311() {
        override("mmi.mqtt.protocol-version", "3.1.1");
    }

    @Override
    @Test
    void shouldDeliverEveryMessageOfAStreamInterruptedByAThirtySecondBrokerOutage() throws Exception {
        super.shouldDeliverEveryMessageOfAStreamInterruptedByAThirtySecondBrokerOutage();
        // Mosquitto's connection line names MQTT 3.1.1 as protocol 2 (its enum mosq_p_mqtt311).
        assertThat(broker.logText()).contains("as " + CLIENT_ID + " (p2, ");
    }
}
