#!/usr/bin/env bash
# Measures Reload and rewrites the results in docs/PERFORMANCE.md.
#
#   reload-benchmarks/run.sh           full run: JMH with 5 interleaved forks x 3 iterations, 10,000 reloads
#   reload-benchmarks/run.sh --quick   a few minutes: 1 fork x 5 iterations, 1,000 reloads
#
# Runs the call benchmarks and the reload harness (with the first reload after start, measured in
# 9 fresh JVMs) on the default JDK, then again on JDK 25 where it is installed; the preflight run
# stays on the default JDK, and so does the HTTP load run of the example server. Writes
# reload-benchmarks/target/results/{calls,reload}.json, reload-preflight.json, http.json, and
# {calls,reload}-jdk25.json (each with its .md table).
# Builds with JDK 25 where it is installed, so that the jars hold the JDK 22+ code as well as
# the JDK 17 code (a multi-release jar) and the same jars run on both JDKs; otherwise with the
# default JDK.
# Needs what the build needs: JDK 17+, Maven, gcc, make; Linux for the reload harness; wrk for
# the HTTP load run (Debian's package, installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=""
reloads=10000
http_seconds=10
if [[ "${1:-}" == "--quick" ]]; then
  quick="--quick"
  reloads=1000
  http_seconds=5
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--quick]" >&2
  exit 2
fi

jdk25=/usr/lib/jvm/temurin-25-jdk-amd64
java_default=java
if [[ -x "$jdk25/bin/java" ]]; then
  JAVA_HOME="$jdk25" mvn -B -q -DskipTests install -pl reload-benchmarks,example-server -am
  build_java="$jdk25/bin/java"
else
  mvn -B -q -DskipTests install -pl reload-benchmarks,example-server -am
  build_java="$java_default"
fi
jar=reload-benchmarks/target/benchmarks.jar
native="$PWD/reload-benchmarks/target/native"
out=reload-benchmarks/target/results
mkdir -p "$out"
quiet=-Dorg.slf4j.simpleLogger.defaultLogLevel=warn

# Runs the call benchmarks and the reload harness on one JDK.
#   measure JAVA SUFFIX [JVM options...]   writes calls$SUFFIX.json, reload$SUFFIX.json (and .md)
measure() {
  local java="$1" suffix="$2"
  shift 2
  echo "== call benchmarks on $("$java" "$@" -cp "$jar" dev.reload.bench.ResultsTable --jvm) (JMH, 1 and 2 threads)"
  "$java" "$@" $quiet -cp "$jar" dev.reload.bench.CallsMain --native "$native" \
    --out "$out/calls$suffix.json" --md "$out/calls$suffix.md" $quick

  echo "== reload under load ($reloads reloads; first, the first reload in 9 fresh JVMs)"
  # The class-load log lets the harness name any class loaded between its leak snapshots.
  "$java" "$@" $quiet "-Xlog:class+load=info,class+unload=info:file=$out/classes$suffix.log:uptimemillis" \
    -cp "$jar" dev.reload.bench.ReloadHarness --native "$native" --reloads "$reloads" \
    --cold-starts 9 --class-log "$out/classes$suffix.log" --out "$out/reload$suffix.json" \
    --md "$out/reload$suffix.md"
}

measure "$java_default" ""
jdks=(--jdk "$("$java_default" -cp "$jar" dev.reload.bench.ResultsTable --jvm)"
  "$out/calls.md" "$out/reload.md" "$out/reload-preflight.md" "$out/http.md")

# 3 in 10 reloads: a probe costs milliseconds per reload, yet a p99 wants a few hundred callers
# held at the gate.
preflight_reloads=$((reloads * 3 / 10))
echo "== reload under load with the crash-safe preflight on ($preflight_reloads reloads)"
java $quiet "-Xlog:class+load=info,class+unload=info:file=$out/classes-preflight.log:uptimemillis" -cp "$jar" \
  dev.reload.bench.ReloadHarness --native "$native" --preflight --reloads "$preflight_reloads" \
  --class-log "$out/classes-preflight.log" --out "$out/reload-preflight.json" \
  --md "$out/reload-preflight.md"

echo "== example server under HTTP load (wrk, quiet and with the counter republished every 200 ms)"
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get install -y wrk || { $sudo apt-get update && $sudo apt-get install -y wrk; }
fi
java -cp "$jar" dev.reload.bench.HttpLoad --server-jar example-server/target/example-server.jar \
  --plugin-sources native-plugins/src/main/c --seconds "$http_seconds" \
  --out "$out/http.json" --md "$out/http.md"

if [[ -x "$jdk25/bin/java" ]]; then
  # JNA (and the FFM path) load native code: JDK 24+ warns unless it is allowed.
  measure "$jdk25/bin/java" -jdk25 --enable-native-access=ALL-UNNAMED
  jdks+=(--jdk "$("$jdk25/bin/java" -cp "$jar" dev.reload.bench.ResultsTable --jvm)"
    "$out/calls-jdk25.md" "$out/reload-jdk25.md")
else
  echo "== no JDK 25 at $jdk25: measured on the default JDK only"
fi

BENCH_MODE="${quick:+ --quick}" \
  BENCH_BUILT_WITH="$("$build_java" -cp "$jar" dev.reload.bench.ResultsTable --jvm)" \
  java -cp "$jar" dev.reload.bench.ResultsTable docs/PERFORMANCE.md "${jdks[@]}"
echo "== results in $out; docs/PERFORMANCE.md updated"
