#!/usr/bin/env bash
# Startup of `mmi run` to ready: from the JVM's launch to the first 200 of /observe/health/ready (MQTT connected, the
# outbox writable and moving; the device is not part of readiness), polled every 20 ms with curl. Each case runs RUNS times (default 5);
# the table shows the median and the fastest run in milliseconds.
#   default JVM  java -jar target/mmi.jar run
#   AppCDS       the same with -XX:SharedArchiveFile=target/mmi.jsa, as ./mmi runs it on Java 17 (the archive is
#                written here first by a training run with -XX:ArchiveClassesAtExit, as ./mmi's first run does)
#   AOT cache    on Java 25 (JAVA25, default: the first /usr/lib/jvm/*25*), -XX:AOTCache as ./mmi runs it there,
#                trained like AppCDS with -XX:AOTCacheOutput (JEP 483/514/515); skipped without a Java 25
# Brokers: the embedded broker (the no-configuration default) and a Mosquitto already running on loopback (as a real
# deployment finds its broker up). Needs curl; the Mosquitto rows need mosquitto.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
http_port=${HTTP_PORT:-9941}
mosquitto_port=${MOSQUITTO_PORT:-18841}

./mvnw -q -B -ntp -DskipTests package
jar=target/mmi.jar
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# One start: prints the milliseconds from launch to ready.
start_once() {
  local broker=$1; shift
  local dir; dir=$(mktemp -d "$work/run.XXXX")
  local begin end pid
  begin=$(date +%s%N)
  "${java_cmd[@]}" "$@" -jar "$jar" run --set mmi.http.port="$http_port" --set mmi.outbox.dir="$dir/outbox" \
      --set mmi.embedded.port=0 --set mmi.mqtt.broker-url="$broker" > "$dir/log.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 1500); do
    if curl -sf -o /dev/null "http://127.0.0.1:$http_port/observe/health/ready"; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "mmi run ended early:" >&2; tail -5 "$dir/log.txt" >&2; exit 1; fi
    sleep 0.02
  done
  end=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $(((end - begin) / 1000000))
}

# Median and minimum of RUNS starts.
measure() {
  local broker=$1; shift
  local times=()
  for _ in $(seq 1 "$runs"); do times+=("$(start_once "$broker" "$@")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "%7d %7d", t[int((NR + 1) / 2)], t[1] }'
}

# A training run writes the archive or cache for the next ones, as ./mmi's first run does.
train() {
  "${java_cmd[@]}" "$@" -jar "$jar" run --max-seconds 8 --set mmi.http.port="$http_port" \
      --set mmi.outbox.dir="$(mktemp -d "$work/training.XXXX")" --set mmi.embedded.port=0 > /dev/null 2>&1
}

java17=(java)
java25=()
jdk25=${JAVA25:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1)}
if [[ -n "$jdk25" && -x "$jdk25/bin/java" ]]; then
  java25=("$jdk25/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi
java_cmd=("${java17[@]}")
train -XX:ArchiveClassesAtExit="$work/mmi.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off
cds=(-XX:SharedArchiveFile="$work/mmi.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
if ((${#java25[@]})); then
  java_cmd=("${java25[@]}")
  train -XX:AOTCacheOutput="$work/mmi.aot" -Xlog:aot*=off -Xlog:cds*=off
  aot=(-XX:AOTCache="$work/mmi.aot" -Xlog:aot*=off -Xlog:cds*=off)
fi

brokers=(embedded)
if command -v mosquitto > /dev/null; then
  mosquitto -p "$mosquitto_port" > "$work/mosquitto.log" 2>&1 &
  brokers+=("tcp://127.0.0.1:$mosquitto_port")
fi

version() { "$1" -version 2>&1 | head -1 | sed -E 's/.*version "([^"]*)".*/\1/'; }
echo
echo "mmi run to ready, ms ($runs runs each; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-28s %-26s %7s %7s\n' JVM broker median fastest
for broker in "${brokers[@]}"; do
  label=$([[ $broker == embedded ]] && echo "embedded (default)" || echo "Mosquitto on loopback")
  java_cmd=("${java17[@]}")
  printf '%-28s %-26s %s\n' "Java $(version java), default" "$label" "$(measure "$broker")"
  printf '%-28s %-26s %s\n' "Java $(version java), AppCDS" "$label" "$(measure "$broker" "${cds[@]}")"
  if ((${#java25[@]})); then
    java_cmd=("${java25[@]}")
    printf '%-28s %-26s %s\n' "Java $(version "${java25[0]}"), AOT cache" "$label" "$(measure "$broker" "${aot[@]}")"
  fi
done
