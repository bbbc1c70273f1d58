#!/usr/bin/env bash
# The MQTT client choice: bare Paho 1.2.5 against the bare HiveMQ MQTT client, each in its own JVM, publishing the same
# outbox at QoS 1 to Mosquitto (Receive Maximum 100) on loopback and through a proxy that makes a 100 ms round trip,
# with 100 publishes in flight and with one. Prints one table. Needs mosquitto; takes about 3 minutes.
# Arguments key=value: messages=2000 rtt-messages=500 sync-messages=50 rounds=3.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B -ntp test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test

java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    org.openjii.mmi.bench.ClientBenchmark "$@"
