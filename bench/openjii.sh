#!/usr/bin/env bash
# What one gateway pays per openJII Thing: `mmi run --openjii DIR` (its own JVM) serving N simulated MultispeQs on
# N socat ptys, each its own Thing with its own TLS connection and outbox, against a TLS Mosquitto that enforces
# openJII's IoT policy. Prints one table per run: seconds until every Thing has published, messages/s at the broker,
# the bridge's CPU, RSS, peak RSS and threads over a steady window. Needs mosquitto and socat; about 2 minutes.
# Arguments key=value: things=1,4,8 interval=500ms window=20s. JVM options of the bridge: none (the test JVM's).
# Logs: target/openjii-bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B -ntp test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test

java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    org.openjii.mmi.bench.OpenJiiFleetBenchmark "$@"
