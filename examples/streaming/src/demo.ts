/**
 * The streaming demo: many profiles at once through the four scenarios
 * (homepage, playback, billing, catalog update) on in-memory adapters or the
 * local engines, with a progress bar, a compact report built from the
 * operation events and a self-contained HTML report with charts.
 *
 * Usage: see {@link demoUsage}; `pnpm demo --help`.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { DemoUsageError, demoUsage, parseDemoArgs, type DemoOptions } from "./demo-args.js";
import { withCatalogProjection } from "./catalog-projection.js";
import { startDemoBackend } from "./demo-backends.js";
import { DemoRecorder } from "./demo-metrics.js";
import { buildReport, formatTextReport, renderHtmlReport } from "./demo-report.js";
import { scenarioNames, seedProfiles, simulate } from "./demo-simulation.js";
import { createRepositories } from "./generated/index.js";
import { catalogTitleIds, seed } from "./seed-data.js";

let options: DemoOptions;
try {
  options = parseDemoArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof DemoUsageError)) throw error;
  console.error(`${error.message}\n\n${demoUsage}`);
  process.exit(2);
}
if (options.help) {
  console.log(demoUsage);
  process.exit(0);
}

const now = new Date("2026-11-26T20:00:00Z");
const startedAt = performance.now();
console.log(`Starting the ${options.backends} backends…`);
const backend = await startDemoBackend(options.backends, options.engines);
for (const [store, engine] of Object.entries(backend.engines)) console.log(`  ${store.padEnd(14)} ${engine}`);

const bar = new cliProgress.SingleBar(
  { format: "{scenario} |{bar}| {value}/{total} {unit}", hideCursor: true, noTTYOutput: true, notTTYSchedule: 1000, etaBuffer: 50 },
  cliProgress.Presets.shades_classic,
);
try {
  // The seeding loader has no cache, as a batch ingest would: the service's cache starts empty.
  const loader = createRepositories({ stores: backend.stores() });
  if (backend.needsSchema) await loader.runtime.applySchema();
  bar.start(options.profiles, 0, { scenario: "seeding".padEnd(14), unit: "profiles" });
  await seed(loader, now);
  await seedProfiles(loader, options.profiles, now, () => bar.increment());
  if (options.backends !== "memory") await loader.close();

  const recorder = new DemoRecorder();
  const repos = createRepositories({ stores: backend.stores(), cache: backend.cache, onOperation: recorder.onOperation });
  // Search is filled from the seeded titles by the projection: the relay delivers their change events.
  let current = "";
  const result = await withCatalogProjection(
    repos,
    catalogTitleIds,
    () =>
      simulate(repos, recorder, backend.cache, {
        profiles: options.profiles,
        now,
        onProgress: (scenario) => {
          if (scenario !== current) {
            current = scenario;
            bar.setTotal(scenario === "catalog update" ? 4 : options.profiles);
            bar.update(0, { scenario: scenario.padEnd(14), unit: scenario === "catalog update" ? "titles" : "profiles" });
          }
          bar.increment();
        },
      }),
    { onOperation: recorder.onOperation },
  ).finally(() => repos.close());
  bar.stop();

  const report = buildReport(recorder, { backends: options.backends, engines: backend.engines, durationMs: performance.now() - startedAt, result });
  console.log(`\n${formatTextReport(report)}`);
  const reportPath = resolve(options.reportPath ?? join(tmpdir(), `polyxena-demo-report-${Date.now()}.html`));
  writeFileSync(reportPath, renderHtmlReport(report));
  console.log(`\nHTML report: ${reportPath}`);
  console.log(`scenarios: ${scenarioNames.join(", ")}`);
} finally {
  bar.stop();
  await backend.stop();
}
