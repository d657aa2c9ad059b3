/**
 * Opens the demo's HTML report in headless Chromium (Debian's `chromium`,
 * driven by playwright-core): no console error, and every chart drew pixels.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { MemoryCacheDriver, memoryStores } from "@polyxena/memory";
import { createCacheAside } from "@polyxena/core";
import { DemoRecorder } from "../src/demo-metrics.js";
import { buildReport, renderHtmlReport } from "../src/demo-report.js";
import { seedProfiles, simulate } from "../src/demo-simulation.js";
import { createRepositories } from "../src/generated/index.js";
import { catalogTitleIds, seed } from "../src/seed-data.js";
import { withCatalogProjection } from "../src/catalog-projection.js";

const chromiumPath = process.env.POLYXENA_CHROMIUM ?? "/usr/bin/chromium";
const now = new Date("2026-11-26T20:00:00Z");

async function demoReportHtml(): Promise<string> {
  const stores = memoryStores();
  const loader = createRepositories({ stores });
  await seed(loader, now);
  await seedProfiles(loader, 6, now, () => {});
  const recorder = new DemoRecorder();
  const cache = createCacheAside({ driver: new MemoryCacheDriver() });
  const repos = createRepositories({ stores, cache, onOperation: recorder.onOperation });
  const result = await withCatalogProjection(repos, catalogTitleIds, () => simulate(repos, recorder, cache, { profiles: 6, now, onProgress: () => {} }), {
    onOperation: recorder.onOperation,
  }).finally(() => repos.close());
  return renderHtmlReport(buildReport(recorder, { backends: "memory", engines: { postgres: "in-memory adapter" }, durationMs: 1, result }));
}

describe("demo HTML report in headless Chromium", () => {
  it("loads without a console error and every chart draws", async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(`Chromium is not installed at ${chromiumPath}. Install it with (as root)\n  apt-get install -y chromium\nor point POLYXENA_CHROMIUM at a Chromium binary.`);
    }
    const html = await demoReportHtml();
    expect(html).not.toMatch(/<script[^>]+src=/);
    const dir = mkdtempSync(join(tmpdir(), "polyxena-demo-report-"));
    const file = join(dir, "report.html");
    writeFileSync(file, html);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      // Anything but the file itself would mean the page is not self-contained.
      page.on("request", (request) => {
        if (!request.url().startsWith("file:")) problems.push(`network request to ${request.url()}`);
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      // A string, so the test compiles without the DOM library: runs in the page.
      const charts = await page.evaluate<{ id: string; width: number; painted: number }[]>(`
        [...document.querySelectorAll("canvas")].map((canvas) => {
          const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          return { id: canvas.id, width: canvas.width, painted };
        })
      `);
      expect(problems).toEqual([]);
      expect(charts.map((c) => c.id)).toEqual(["latency-chart", "hit-ratio-chart", "lag-chart"]);
      expect(await page.evaluate<string[]>("window.chartsDrawn")).toEqual(["latency-chart", "hit-ratio-chart", "lag-chart"]);
      for (const chart of charts) {
        expect(chart.width, chart.id).toBeGreaterThan(0);
        // Axes and labels alone paint a few thousand pixels; bars and lines add more.
        expect(chart.painted, chart.id).toBeGreaterThan(2000);
      }
      expect(await page.textContent("#text-report")).toContain("billing   6 accounts charged twice at once");
      expect(await page.textContent("body")).toContain("Search followed by: declared projection Title.titleSearch for 4/4 title edits");
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
