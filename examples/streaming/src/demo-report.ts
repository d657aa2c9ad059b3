import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { percentile, type DemoRecorder, type HitRatioPoint, type RecordedOperation, type StoreSummary } from "./demo-metrics.js";
import type { SimulationResult } from "./demo-simulation.js";

/** Everything the text and HTML reports show. */
export interface DemoReport {
  backends: string;
  /** Which engine served each store, as the backend named it, e.g. `postgres: PostgreSQL at 127.0.0.1:5432 (...)`. */
  engines: Record<string, string>;
  durationMs: number;
  result: SimulationResult;
  rows: StoreSummary[];
  hitRatioOverTime: HitRatioPoint[];
  /** Latency histogram per store: bucket upper bounds (ms) and counts. */
  latencyHistogram: { boundsMs: number[]; counts: Record<string, number[]> };
  /** How search caught up with the catalog edits, read from the operation events (see {@link catalogProjectionOf}). */
  searchPath: string;
  /** Milliseconds from each projected title write to its search write (sorted). */
  appliedAfterMs: number[];
  /** Distinct change events seen in the operation events. */
  changeEvents: number;
}

const boundsMs = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, Infinity];

/** Builds the report from what the recorder saw. */
export function buildReport(recorder: DemoRecorder, input: { backends: string; engines: Record<string, string>; durationMs: number; result: SimulationResult }): DemoReport {
  const counts: Record<string, number[]> = {};
  for (const [store, latencies] of recorder.latenciesByStore()) {
    const row = boundsMs.map(() => 0);
    for (const ms of latencies) row[boundsMs.findIndex((b) => ms <= b)]!++;
    counts[store] = row;
  }
  return {
    ...input,
    rows: recorder.summarize(),
    hitRatioOverTime: recorder.hitRatioOverTime(),
    latencyHistogram: { boundsMs, counts },
    changeEvents: recorder.changeEvents(),
    ...catalogProjectionOf(recorder.operations),
  };
}

/** How search followed the catalog edits, as the operation events tell it. */
export interface CatalogProjection {
  /** e.g. `declared projection Title.titleSearch for 4/4 title edits (...)`. */
  searchPath: string;
  /** Per edit that went through the projection: milliseconds from the title write's event to the projection's search write. */
  appliedAfterMs: number[];
}

/**
 * How search followed the catalog edits, from the operation events alone:
 * an edit went through the declared projection when a relay published its
 * title write's change and a TitleSearch write carried that change id (the
 * projection applier's); a TitleSearch write without a change id is the
 * service writing search itself.
 */
export function catalogProjectionOf(operations: readonly RecordedOperation[]): CatalogProjection {
  const catalog = operations.filter((o) => o.scenario === "catalog update" && o.outcome === "ok");
  const isPublish = (o: RecordedOperation) => o.operation.startsWith("Title.publish.");
  const isSearchWrite = (o: RecordedOperation) => o.operation.startsWith("TitleSearch.") && !o.operation.endsWith(".search") && !o.operation.endsWith(".get");
  const edits = catalog.filter((o) => o.operation.startsWith("Title.") && !isPublish(o) && o.changeId !== undefined);
  const published = new Set(catalog.filter(isPublish).map((o) => o.changeId));
  const projected = new Map(catalog.filter((o) => isSearchWrite(o) && o.changeId !== undefined).map((o) => [o.changeId, o.atMs]));
  const appliedAfterMs = edits.flatMap((o) => (published.has(o.changeId) && projected.has(o.changeId) ? [Math.max(0, projected.get(o.changeId)! - o.atMs)] : []));
  const direct = catalog.filter((o) => isSearchWrite(o) && o.changeId === undefined).length;
  const parts: string[] = [];
  if (appliedAfterMs.length > 0) {
    parts.push(`declared projection Title.titleSearch for ${appliedAfterMs.length}/${edits.length} title edits (outbox → relay → projection applier, the search write carrying the title write's change id)`);
  }
  if (direct > 0) parts.push(`written by the service itself (${direct} search writes without a change id)`);
  return { searchPath: parts.length > 0 ? parts.join("; ") : `not written after the ${edits.length} title edits`, appliedAfterMs: appliedAfterMs.sort((a, b) => a - b) };
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function ratio(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)}%`;
}

function sourcesLabel(row: StoreSummary): string {
  const served = Object.entries(row.sources).map(([source, n]) => `${source === "bypass" ? "no cache" : source} ${n}`);
  const failed = Object.entries(row.errorCodes).map(([code, n]) => `${code} ${n}`);
  return [...served, ...failed].join(", ");
}

/** The compact text report the demo prints. */
export function formatTextReport(report: DemoReport): string {
  const r = report.result;
  const lines: string[] = [];
  lines.push(`Polyxena streaming demo: ${r.profiles} profiles on ${report.backends} backends in ${(report.durationMs / 1000).toFixed(1)} s`);
  for (const [store, engine] of Object.entries(report.engines)) lines.push(`  ${store.padEnd(14)} ${engine}`);
  lines.push("");
  const header = ["scenario", "store", "ops", "errors", "p50 ms", "p99 ms", "cache hit", "reads saved", "served from / error codes (operation events)"];
  const table = report.rows.map((row) => [row.scenario, row.store, String(row.operations), String(row.errors), ms(row.p50Ms), ms(row.p99Ms), ratio(row.hitRatio), String(row.cacheHits), sourcesLabel(row)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 7 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  lines.push(line(header));
  for (const t of table) lines.push(line(t));
  lines.push("");
  lines.push(`homepage  ${r.homepagesLoaded} loads; ${r.suggestionSearches} as-you-type searches, ${r.suggestionsShown} with suggestions`);
  lines.push(`playback  ${r.playbacksStarted} starts, ${r.progressWrites} progress writes; recommendations recomputed after the finish invalidated them for ${r.recommendationsRecomputed}`);
  for (const [scenario, sources] of Object.entries(r.recommendationSources)) {
    const label = Object.entries(sources).map(([source, n]) => `${source === "store" ? "computed (loader ran)" : source} ${n}`).join(", ");
    lines.push(`          recommendation rows (cache.getOrLoad) in ${scenario}: ${label}`);
  }
  lines.push(`billing   ${r.billingAccounts} accounts charged twice at once: ${r.chargesApplied} charged, ${r.duplicatesRefused} found it already charged, ${r.chargesGivenUp} gave up, ${r.invoices} invoices`);
  const lags = r.catalogUpdates.flatMap((u) => (u.searchLagMs === null ? [] : [u.searchLagMs])).sort((a, b) => a - b);
  const edits = r.catalogUpdates.length;
  const seen = r.catalogUpdates.filter((u) => u.readerSawNewName).length;
  const atSourceVersion = r.catalogUpdates.filter((u) => u.searchVersion !== undefined && u.searchVersion === u.sourceVersion).length;
  const oldNameGone = r.catalogUpdates.filter((u) => u.searchLagMs !== null && !u.oldNameStillFound).length;
  lines.push(
    `catalog   ${edits} titles renamed: reader saw the new name at once ${seen}/${edits}; ` +
      `search found it ${lags.length}/${edits}` +
      (lags.length > 0 ? ` (lag from the acknowledged write: p50 ${ms(percentile(lags, 50))} ms, max ${ms(lags[lags.length - 1]!)} ms)` : "") +
      `, at the title's source version ${atSourceVersion}/${edits}, old name no longer found ${oldNameGone}/${edits}`,
  );
  const applied = report.appliedAfterMs;
  if (applied.length > 0) {
    lines.push(`          the projection wrote search p50 ${ms(percentile(applied, 50))} ms after the title write (max ${ms(applied[applied.length - 1]!)} ms)`);
  }
  lines.push(`events    ${report.changeEvents} change events in the operation events; search followed by: ${report.searchPath}`);
  return lines.join("\n");
}

const require = createRequire(import.meta.url);

/** The minified UMD build of the pinned chart.js, read from node_modules so the page needs no network. */
function chartJsSource(): string {
  return readFileSync(join(dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * A self-contained HTML page: the text report, a latency distribution per
 * store, the cache hit ratio over time and the search lag of catalog edits,
 * drawn by chart.js inlined into the page.
 */
export function renderHtmlReport(report: DemoReport): string {
  const lagLabels = report.result.catalogUpdates.map((u) => u.titleId);
  const lagValues = report.result.catalogUpdates.map((u) => (u.searchLagMs === null ? null : Number(u.searchLagMs.toFixed(2))));
  const data = {
    histogram: {
      labels: report.latencyHistogram.boundsMs.map((b) => (b === Infinity ? "> 250 ms" : `≤ ${b} ms`)),
      series: Object.entries(report.latencyHistogram.counts).map(([store, counts]) => ({ label: store, data: counts })),
    },
    hitRatio: {
      labels: report.hitRatioOverTime.map((p) => `${(p.atMs / 1000).toFixed(2)} s`),
      data: report.hitRatioOverTime.map((p) => (p.hitRatio === null ? null : Number((p.hitRatio * 100).toFixed(1)))),
    },
    lag: { labels: lagLabels, data: lagValues },
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Polyxena streaming demo report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
pre { background: #f6f6f6; padding: 1rem; overflow-x: auto; font-size: 12px; }
.chart { width: 900px; height: 320px; margin-bottom: 2rem; }
</style>
</head>
<body>
<h1>Polyxena streaming demo</h1>
<pre id="text-report">${escapeHtml(formatTextReport(report))}</pre>
<h2>Latency distribution per store</h2>
<div class="chart"><canvas id="latency-chart"></canvas></div>
<h2>Cache hit ratio over time</h2>
<div class="chart"><canvas id="hit-ratio-chart"></canvas></div>
<h2>Search lag of catalog edits</h2>
<p>Search followed by: ${escapeHtml(report.searchPath)}.</p>
<div class="chart"><canvas id="lag-chart"></canvas></div>
<script>${chartJsSource()}</script>
<script>
const data = ${scriptJson(data)};
const common = { animation: false, responsive: true, maintainAspectRatio: false };
window.chartsDrawn = [];
window.chartsDrawn.push(new Chart(document.getElementById("latency-chart"), {
  type: "bar",
  data: { labels: data.histogram.labels, datasets: data.histogram.series },
  options: { ...common, scales: { y: { title: { display: true, text: "operations" } } } },
}).canvas.id);
window.chartsDrawn.push(new Chart(document.getElementById("hit-ratio-chart"), {
  type: "line",
  data: { labels: data.hitRatio.labels, datasets: [{ label: "cache hit ratio (%)", data: data.hitRatio.data, spanGaps: true }] },
  options: { ...common, scales: { y: { min: 0, max: 100 } } },
}).canvas.id);
window.chartsDrawn.push(new Chart(document.getElementById("lag-chart"), {
  type: "bar",
  data: { labels: data.lag.labels, datasets: [{ label: "ms from the acknowledged title write until a search found the new name", data: data.lag.data }] },
  options: common,
}).canvas.id);
</script>
</body>
</html>
`;
}
