#!/usr/bin/env bash
# Receive-path throughput on one core, in MB/s (10^6 bytes per second of device output):
#   framer   = FrameDecoder + CRC-32
#   sanitize = framer + JsonSanitizer
#   validate = sanitize + DeviceJson.validate
#   parse    = sanitize + DeviceJson.parse (a full tree, as the producer returns it)
#   full     = sanitize + DeviceJson.scan (validate + device header in one pass) + body text: the session's path
# over the RIDES (24 KB), PAR (253 B) and fluorescence (66 KB) outputs, fed in 64-byte and 4 KB reads.
# Extra arguments go to JMH, e.g. `bench/framer.sh -p output=rides`.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B -ntp test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test

result=target/jmh-framer.csv
java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    org.openjdk.jmh.Main FramerBenchmark -f 1 -wi 3 -i 5 -w 1s -r 2s -t 1 -rf csv -rff "$result" "$@"

# The ":bytes" rows carry the bytes-per-second counter; everything else is operations per second.
echo
echo "MB/s per case ($(nproc) CPUs visible, $(java -version 2>&1 | head -1)):"
printf '%-13s %6s  %-9s %10s %10s\n' output chunk stage 'MB/s' '±99.9%'
tr -d '"\r' < "$result" | awk -F, '
    function rank(word, words,    n, list, i) {
        n = split(words, list, " ")
        for (i = 1; i <= n; i++) if (list[i] == word) return i
        return n + 1
    }
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 ~ /:bytes$/ {
        stage = $1; sub(/.*\./, "", stage); sub(/:bytes$/, "", stage)
        order = rank(stage, "framer sanitize validate parse full")
        err = $col["Score Error (99.9%)"]
        printf "%s %08d %d|%-13s %6s  %-9s %10.1f %10s\n", $col["Param: output"], $col["Param: chunk"], order,
            $col["Param: output"], $col["Param: chunk"], stage, $col["Score"] / 1e6,
            (err == "NaN" ? "-" : sprintf("%.1f", err / 1e6))
    }' | sort | cut -d'|' -f2
