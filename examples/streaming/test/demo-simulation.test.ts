import { describe, expect, it } from "vitest";
import { MemoryCacheDriver, memoryStores } from "@polyxena/memory";
import { createCacheAside } from "@polyxena/core";
import { DemoRecorder, percentile, type RecordedOperation } from "../src/demo-metrics.js";
import { buildReport, catalogProjectionOf, formatTextReport } from "../src/demo-report.js";
import { seedProfiles, simulate, simulatedIds } from "../src/demo-simulation.js";
import { createRepositories } from "../src/generated/index.js";
import { catalogTitleIds, seed } from "../src/seed-data.js";
import { withCatalogProjection } from "../src/catalog-projection.js";

const now = new Date("2026-11-26T20:00:00Z");

/** Seeds, starts the catalogue projection's relay as the demo does, and runs the scenarios; the relay is stopped after. */
async function run(profiles: number) {
  const stores = memoryStores();
  const loader = createRepositories({ stores });
  await seed(loader, now);
  await seedProfiles(loader, profiles, now, () => {});
  const recorder = new DemoRecorder();
  const cache = createCacheAside({ driver: new MemoryCacheDriver() });
  const repos = createRepositories({ stores, cache, onOperation: recorder.onOperation });
  const progress: string[] = [];
  const result = await withCatalogProjection(repos, catalogTitleIds, () => simulate(repos, recorder, cache, { profiles, now, concurrency: 10, onProgress: (s) => progress.push(s) }), {
    onOperation: recorder.onOperation,
  });
  return { repos, recorder, result, progress, cache };
}

describe("demo simulation on the in-memory adapters", () => {
  it("charges every account once although each charge is submitted twice at once", async () => {
    const { repos, result } = await run(12);
    expect(result.billingAccounts).toBe(12);
    expect(result.chargesApplied).toBe(12);
    expect(result.duplicatesRefused).toBe(12);
    expect(result.chargesGivenUp).toBe(0);
    for (let i = 0; i < 12; i++) {
      const invoices = await repos.invoice.invoicesOfAccount({ accountId: simulatedIds(i).accountId });
      expect(invoices.items).toHaveLength(1);
      expect(invoices.items[0]!.amountCents).toBe(i % 3 === 0 ? 2299 : 1549);
    }
    await repos.close();
  });

  it("loads every homepage and playback, and a renamed title is read at once and found in search", async () => {
    const { repos, result, progress } = await run(8);
    expect(result.homepagesLoaded).toBe(16);
    // 8 profiles type "stran", "the cr", "kni", "peaky b", "vik", ...: a search per keystroke from the second.
    expect(result.suggestionSearches).toBe(4 + 5 + 2 + 6 + 2 + 4 + 5 + 2);
    // Profile 0 is a kid's: no title rated for kids starts with "st", "str", "stra" or "stran".
    expect(result.suggestionsShown).toBe(result.suggestionSearches - 4);
    expect(result.playbacksStarted).toBe(8);
    expect(result.progressWrites).toBe(24);
    const latest = await repos.viewingHistory.historyForProfile({ profileId: simulatedIds(3).profileId }, { limit: 1 });
    expect(latest.items[0]).toMatchObject({ positionSec: 1200 });
    expect(result.catalogUpdates.map((u) => u.readerSawNewName)).toEqual([true, true, true, true]);
    expect(result.catalogUpdates.every((u) => u.searchLagMs !== null && u.searchLagMs > 0)).toBe(true);
    // Seeded at version 1, renamed at version 2: search found the document the projection made from the edit.
    expect(result.catalogUpdates.map((u) => [u.sourceVersion, u.searchVersion])).toEqual([[2, 2], [2, 2], [2, 2], [2, 2]]);
    expect(result.catalogUpdates.map((u) => u.oldNameStillFound)).toEqual([false, false, false, false]);
    expect((await repos.title.get({ titleId: "tt0944947" }))?.name).toBe("Game of Thrones Remastered");
    expect((await repos.titleSearch.getOrThrow({ titleId: "tt0944947" })).name).toBe("Game of Thrones Remastered");
    expect(progress.filter((s) => s === "billing")).toHaveLength(8);
    // First homepage computes the rows, the second reads them from the cache; finishing a title invalidates them.
    expect(result.recommendationSources.homepage).toEqual({ store: 8, l1: 8 });
    expect(result.recommendationSources.playback).toEqual({ store: 8 });
    expect(result.recommendationsRecomputed).toBeGreaterThan(0);
    await repos.close();
  });

  it("reports per scenario and store what the operation events said, not what the code expected", async () => {
    const { repos, recorder, result, cache } = await run(6);
    const report = buildReport(recorder, { backends: "memory", engines: { dynamodb: "in-memory adapter" }, durationMs: 1, result });
    const homepageTitles = report.rows.find((r) => r.scenario === "homepage" && r.store === "dynamodb")!;
    const events = recorder.operations.filter((o) => o.scenario === "homepage" && o.store === "dynamodb");
    expect(homepageTitles.operations).toBe(events.length);
    expect(homepageTitles.storeReads).toBe(events.filter((o) => o.source === "store").length);
    expect(homepageTitles.cacheHits).toBe(events.filter((o) => o.source === "l1" || o.source === "l2").length);
    // The second homepage of each profile is served from the cache.
    expect(homepageTitles.cacheHits).toBeGreaterThan(0);
    const stats = cache.stats();
    expect(report.rows.reduce((n, r) => n + r.cacheHits, 0)).toBeLessThanOrEqual(stats.l1Hits + stats.l2Hits);
    const billing = report.rows.find((r) => r.scenario === "billing" && r.store === "postgres")!;
    const billingEvents = recorder.operations.filter((o) => o.scenario === "billing" && o.store === "postgres");
    // A submission that lost the race was refused by the version guard, nothing else.
    expect(billing.errors).toBe(billingEvents.filter((o) => o.outcome === "error").length);
    expect(Object.keys(billing.errorCodes).filter((code) => code !== "E_CONDITION_FAILED")).toEqual([]);
    const text = formatTextReport(report);
    expect(text).not.toMatch(/filled/);
    // The search path is read from the events: each edit's change id was published by the relay and carried by a search write.
    const edits = recorder.operations.filter((o) => o.scenario === "catalog update" && o.operation === "Title.update");
    expect(edits).toHaveLength(4);
    for (const edit of edits) {
      const same = recorder.operations.filter((o) => o.changeId === edit.changeId).map((o) => [o.scenario, o.operation, o.outcome]);
      expect(same).toEqual(expect.arrayContaining([["catalog update", "Title.publish.projections", "ok"], ["catalog update", "TitleSearch.put", "ok"]]));
    }
    expect(report.searchPath).toMatch(/^declared projection Title\.titleSearch for 4\/4 title edits/);
    expect(report.appliedAfterMs).toHaveLength(4);
    expect(text).toContain(`search followed by: ${report.searchPath}`);
    expect(text).toContain(`events    ${recorder.changeEvents()} change events in the operation events`);
    expect(text).toContain("billing   6 accounts charged twice at once: 6 charged, 6 found it already charged, 0 gave up, 6 invoices");
    expect(text).toMatch(/homepage\s+dynamodb\s+\d+/);
    await repos.close();
  });

  it("names the search path from the operation events: projection, the service's own write, or nothing", () => {
    const op = (operation: string, changeId: string | undefined, atMs: number): RecordedOperation => ({ scenario: "catalog update", store: "x", operation, source: "bypass", durationMs: 1, outcome: "ok", atMs, changeId });
    const projected = catalogProjectionOf([op("Title.update", "c1", 10), op("Title.publish.projections", "c1", 30), op("TitleSearch.put", "c1", 25), op("Title.update", "c2", 12)]);
    expect(projected.searchPath).toMatch(/^declared projection Title\.titleSearch for 1\/2 title edits/);
    expect(projected.appliedAfterMs).toEqual([15]);
    // A search write published by no relay, or without the edit's change id, is not the projection.
    const direct = catalogProjectionOf([op("Title.update", "c1", 10), op("TitleSearch.put", undefined, 11), op("TitleSearch.search", undefined, 12)]);
    expect(direct).toEqual({ searchPath: "written by the service itself (1 search writes without a change id)", appliedAfterMs: [] });
    expect(catalogProjectionOf([op("Title.update", "c1", 10), op("TitleSearch.put", "c1", 25)]).searchPath).toBe("not written after the 1 title edits");
  });

  it("takes nearest-rank percentiles", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([], 50)).toBe(0);
  });
});
