/**
 * Measurements of Reload: JMH call benchmarks ({@link dev.reload.bench.CallBenchmark},
 * run by {@link dev.reload.bench.CallsMain}), the reload-under-load harness ({@link
 * dev.reload.bench.ReloadHarness}) with its C physical-limit baseline, the example server under
 * {@code wrk} with and without reloads ({@link dev.reload.bench.HttpLoad}), and the results in
 * docs/PERFORMANCE.md ({@link dev.reload.bench.ResultsTable}). Run them with {@code
 * reload-benchmarks/run.sh}.
 */
package dev.reload.bench;
