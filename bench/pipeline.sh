#!/usr/bin/env bash
# Ingest throughput on one core: device outputs per second through parse (with sanitize) -> split -> enrich (gzip+base64
# above 8 KB) -> topic -> serialize, and the bytes allocated per output (JMH -prof gc, gc.alloc.rate.norm), over the
# RIDES (24 KB), PAR (253 B) and fluorescence (66 KB) outputs.
#   outputs/s      wall-clock throughput of the benchmark thread (drops when other work shares the cores)
#   outputs/CPU-s  outputs per second of the thread's own CPU time: what one core does (GC threads not counted)
# Extra arguments go to JMH, e.g. `bench/pipeline.sh -p level=1,6` to compare Deflater levels.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B -ntp test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test

result=target/jmh-pipeline.csv
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    org.openjdk.jmh.Main PipelineBenchmark -f 1 -wi 3 -i 5 -w 2s -r 2s -t 1 -prof gc -rf csv -rff "$result" "$@"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "Device outputs through the ingest steps, one thread ($(nproc) CPUs visible, load average before" \
    "$load_before, after $load_after; $(java -version 2>&1 | head -1)):"
printf '%-13s %5s %11s %9s %14s %11s %16s\n' output level 'outputs/s' '±99.9%' 'outputs/CPU-s' 'µs CPU/out' \
    'alloc KB/output'
tr -d '"\r' < "$result" | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
        key = $col["Param: output"] " " $col["Param: level"]
        if ($1 ~ /\.pipeline$/) {
            score[key] = $col["Score"]; err[key] = $col["Score Error (99.9%)"]; keys[key] = 1
        } else if ($1 ~ /:gc\.alloc\.rate\.norm$/) {
            alloc[key] = $col["Score"]
        } else if ($1 ~ /:cpuNanos$/) {
            cpu[key] = $col["Score"]
        } else if ($1 ~ /:outputs$/) {
            outputs[key] = $col["Score"]
        }
    }
    END {
        for (key in keys) {
            split(key, parts, " ")
            perCpu = cpu[key] > 0 ? outputs[key] / cpu[key] * 1e9 : 0
            printf "%-13s %5s %11.0f %9s %14.0f %11.1f %16.1f\n", parts[1], parts[2], score[key],
                (err[key] == "NaN" ? "-" : sprintf("%.0f", err[key])), perCpu, (perCpu > 0 ? 1e6 / perCpu : 0),
                alloc[key] / 1024
        }
    }' | sort
