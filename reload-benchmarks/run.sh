#!/usr/bin/env bash
# Measures Reload and rewrites the results table in README.md.
#
#   reload-benchmarks/run.sh           full run: JMH with 2 forks x 10 iterations, 10,000 reloads
#   reload-benchmarks/run.sh --quick   a few minutes: 1 fork x 5 iterations, 1,000 reloads
#
# Writes reload-benchmarks/target/results/{calls.json,reload.json,reload-preflight.json}
# (and .md tables).
# Needs what the build needs: JDK 17+, Maven, gcc, make; Linux for the reload harness.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=""
reloads=10000
if [[ "${1:-}" == "--quick" ]]; then
  quick="--quick"
  reloads=1000
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--quick]" >&2
  exit 2
fi

mvn -B -q -DskipTests install -pl reload-benchmarks -am
jar=reload-benchmarks/target/benchmarks.jar
native="$PWD/reload-benchmarks/target/native"
out=reload-benchmarks/target/results
mkdir -p "$out"
quiet=-Dorg.slf4j.simpleLogger.defaultLogLevel=warn

echo "== call benchmarks (JMH, 1 and 2 threads)"
java $quiet -cp "$jar" dev.reload.bench.CallsMain --native "$native" \
  --out "$out/calls.json" --md "$out/calls.md" $quick

echo "== reload under load ($reloads reloads)"
# The class-load log lets the harness name any class loaded between its leak snapshots.
java $quiet "-Xlog:class+load=info,class+unload=info:file=$out/classes.log:uptimemillis" -cp "$jar" \
  dev.reload.bench.ReloadHarness --native "$native" --reloads "$reloads" \
  --class-log "$out/classes.log" --out "$out/reload.json" --md "$out/reload.md"

echo "== reload under load with the crash-safe preflight on ($((reloads / 10)) reloads)"
java $quiet "-Xlog:class+load=info,class+unload=info:file=$out/classes-preflight.log:uptimemillis" -cp "$jar" \
  dev.reload.bench.ReloadHarness --native "$native" --preflight --reloads "$((reloads / 10))" \
  --class-log "$out/classes-preflight.log" --out "$out/reload-preflight.json" \
  --md "$out/reload-preflight.md"

BENCH_MODE="${quick:+ --quick}" java -cp "$jar" dev.reload.bench.ReadmeTable README.md \
  "$out/calls.md" "$out/reload.md" "$out/reload-preflight.md"
echo "== results in $out; README.md table updated"
