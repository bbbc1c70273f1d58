#!/usr/bin/env bash
# End-to-end delivery in one run: a simulated MultispeQ on a socat pty -> the bridge (its own JVM, `mmi run` on the
# runtime classpath) -> Mosquitto (Receive Maximum 100, like AWS IoT Core) -> a QoS 1 subscriber. Prints one table:
#   latency   device's last byte -> PUBACK, p50/p99 (the bridge's mmi.delivery.latency meter, from its shutdown summary
#             line), and last byte -> subscriber, exact, from each payload's timestamp
#   drain     2,000 messages pre-filled into a fresh outbox (payload: a message the bridge published above), drained
#             with the IoT Core profile (target >= 95 msg/s under the 100 msg/s quota) and without flow control
#             (target >= 80 % of a bare Paho MqttAsyncClient publishing the same outbox at QoS 1 with 100 in flight),
#             at start-up and after a broker outage, medians of `rounds`; a RIDES-size drain for the 512 KiB/s limit
#   RSS       the bridge's peak resident memory (VmHWM), target <= 256 MB
# All rates are measured at the subscriber, first to last arrival. Needs mosquitto and socat; takes about 4 minutes.
# Arguments key=value: messages=2000 rides-messages=1000 samples=240 interval=250ms rounds=3 window=100 settle=5.
# JVM options for the bridge and the bare client: MMI_JAVA_OPTS (as for ./mmi). Logs: target/delivery-bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B -ntp test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
./mvnw -q -B -ntp dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt \
    -Dmdep.includeScope=runtime

java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    -Dbench.bridge.classpath="$PWD/target/classes:$(cat target/runtime-classpath.txt)" \
    -Dbench.java.opts="${MMI_JAVA_OPTS:-}" \
    org.openjii.mmi.bench.DeliveryBenchmark "$@"
