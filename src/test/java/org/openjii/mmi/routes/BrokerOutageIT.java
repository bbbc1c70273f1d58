package org.openjii.mmi.routes;

/** {@link BrokerOutageScenario} with MQTT 5, the default. */
class BrokerOutageIT extends BrokerOutageScenario {

    static {
        brokerConfig = BrokerOutageScenario::persistentBroker;
    }
}
