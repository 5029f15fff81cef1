# Kafka parts of scripts/services, which sources this file: fetching the broker jars, formatting
# the storage once, launching the broker and asking it for metadata. It uses the script's globals
# (ROOT, STATE, ME, KAFKA_PORT, KAFKA_HEAP_OPTS) and helpers (say, die, now_ms, seconds_since,
# launch, log_file, log_tail).
# shellcheck shell=bash

kafka_libs() { echo "$STATE/kafka/libs"; }

# Fetches the broker jars with Maven when missing or when scripts/kafka/pom.xml changed.
fetch_kafka_jars() {
  local libs stamp want t0
  libs=$(kafka_libs)
  stamp="$libs/.pom.sha256"
  want=$(sha256sum "$ROOT/scripts/kafka/pom.xml" | cut -d' ' -f1)
  [[ -f $stamp && $(<"$stamp") == "$want" ]] && return 0
  say "kafka: fetching the broker jars with Maven (scripts/kafka/pom.xml)"
  t0=$(now_ms)
  rm -rf "$libs.tmp"
  if ! mvn -B -q -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$libs.tmp" >"$STATE/kafka/maven.log" 2>&1; then
    tail -n 20 "$STATE/kafka/maven.log" >&2
    die "Maven could not fetch the Kafka jars (log: $STATE/kafka/maven.log); check that Maven Central is reachable and run '$ME up kafka' again"
  fi
  echo "$want" >"$libs.tmp/.pom.sha256"
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
  say "kafka: $(find "$libs" -name "*.jar" | wc -l) jars fetched in $(seconds_since "$t0") s"
}

# A Kafka cluster id: 16 random bytes in URL-safe base64 without padding (what StorageTool
# random-uuid prints, without starting a JVM for it). One starting with "-" would read as an option.
new_cluster_id() {
  local id
  while true; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ $id != -* ]] && { echo "$id"; return; }
  done
}

launch_kafka() {
  local dir="$STATE/kafka" libs
  libs=$(kafka_libs)
  mkdir -p "$dir/data"
  sed "s#@DATA_DIR@#$dir/data#" "$ROOT/scripts/kafka/server.properties" >"$dir/server.properties"
  local java_opts=(-Djava.awt.headless=true "-Dlog4j2.configurationFile=$ROOT/scripts/kafka/log4j2.properties")
  # Format the storage once; afterwards it holds the topics we must keep across restarts.
  if [[ ! -f $dir/data/meta.properties ]]; then
    [[ -f $dir/cluster-id ]] || new_cluster_id >"$dir/cluster-id"
    if ! java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format \
        -t "$(<"$dir/cluster-id")" -c "$dir/server.properties" >>"$(log_file kafka)" 2>&1; then
      log_tail kafka
      die "formatting Kafka storage in $dir/data failed; remove $dir/data and run '$ME up kafka' again"
    fi
  fi
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several options on purpose
  launch kafka "$dir" java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${java_opts[@]}" \
    -cp "$libs/*" kafka.Kafka "$dir/server.properties"
}

# A metadata request through kafkajs; without node_modules, the broker's own "started" log line.
kafka_answers() {
  local wait_ms=${1:-3000} rc=0
  (cd "$ROOT" && node scripts/kafka/wait-ready.mjs "127.0.0.1:$KAFKA_PORT" "$wait_ms") || rc=$?
  if [[ $rc -eq 2 ]]; then
    # Only the current run counts: the log keeps earlier runs, each after a "==== ... starting" line.
    awk '/^==== /{up=0} /Kafka Server started/{up=1} END{exit !up}' "$(log_file kafka)" 2>/dev/null &&
      (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null
    return
  fi
  return "$rc"
}
