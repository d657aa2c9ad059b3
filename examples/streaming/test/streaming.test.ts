import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryCacheDriver, memoryStores } from "@polyxena/memory";
import { createCacheAside, rebuildProjection, type OperationEvent } from "@polyxena/core";
import { compileStrict } from "../../../packages/codegen/test/helpers/compile-strict.js";
import { createRepositories } from "../src/generated/index.js";
import { searchUntilFound, startCatalogProjection, titleSourceVersion, waitForCatalogSearch } from "../src/catalog-projection.js";
import { catalogTitleIds, ids, seed } from "../src/seed-data.js";
import { chargeForPeriod, finishPlayback, loadHomepage, loadRecommendations, renewSubscription, startPlayback, suggestAsYouType } from "../src/streaming-service.js";

const exampleDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const now = new Date("2026-11-26T20:00:00Z");

/** Stops each test's relay, then closes its repositories. */
const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

/**
 * The service on fresh in-memory stores: the seed writes titles only, and
 * the catalogue projection's relay fills search from their change events.
 */
async function streamingService() {
  const events: OperationEvent[] = [];
  const cache = createCacheAside({ driver: new MemoryCacheDriver() });
  const repos = createRepositories({ stores: memoryStores(), cache, onOperation: (e) => events.push(e) });
  await seed(repos, now);
  const relay = startCatalogProjection(repos);
  running.push(async () => {
    await relay.stop();
  });
  await waitForCatalogSearch(repos, catalogTitleIds);
  events.length = 0;
  return { repos, events, cache };
}

describe("streaming example on the in-memory adapters", () => {
  it("loads the homepage from four stores, then serves the cacheable reads from the cache", async () => {
    const { repos, events } = await streamingService();
    const home = await loadHomepage(repos, ids.profileAda, "kingdom");
    expect(home.greeting).toBe("Welcome back, Ada");
    expect(home.continueWatching.map((c) => [c.title.name, c.positionSec])).toEqual([
      ["Game of Thrones", 2400],
      ["The Crown", 600],
    ]);
    expect(home.newInDrama.map((t) => t.name)).toEqual(["The Crown", "Peaky Blinders", "Vikings"]);
    // "Seven Kingdoms" does not match "kingdom": the standard analyzer does not stem.
    expect(home.searchResults.map((r) => r.name)).toEqual(["Money Heist", "The Crown", "Coco"]);
    expect(new Set(events.map((e) => e.store.split(":")[0]))).toEqual(new Set(["dynamodb", "cassandra", "elasticsearch"]));
    const profileRead = events.find((e) => e.operationId === "Profile.get")!;
    expect(profileRead.cache).toBe("store");

    events.length = 0;
    await loadHomepage(repos, ids.profileAda, "kingdom");
    expect(events.find((e) => e.operationId === "Profile.get")!.cache).toBe("l1");
    expect(events.find((e) => e.operationId === "Title.query.titlesInGenre")!.cache).not.toBe("store");
    expect(events.find((e) => e.operationId === "ViewingHistory.query.historyForProfile")!.cache).toBe("bypass");
  });

  it("filters search results by the profile's maturity rating", async () => {
    const { repos } = await streamingService();
    const kid = await loadHomepage(repos, ids.profileKid, "kingdom");
    expect(kid.searchResults.map((r) => r.name)).toEqual(["Coco"]);
  });

  it("suggests titles as the user types, each keystroke a prefix search over names", async () => {
    const { repos, events } = await streamingService();
    const shown = await suggestAsYouType(repos, ids.profileAda, "the cr");
    expect(shown).toHaveLength(5);
    // "th": every name with a word starting "th"; "the cr": "the" and a word starting "cr" rank The Crown first.
    expect(shown[0]).toEqual(expect.arrayContaining(["The Crown", "Stranger Things"]));
    expect(shown.at(-1)![0]).toBe("The Crown");
    expect((await suggestAsYouType(repos, ids.profileAda, "stra")).at(-1)).toEqual(["Stranger Things"]);
    // A kid's profile sees only titles rated for kids.
    expect((await suggestAsYouType(repos, ids.profileKid, "co")).at(-1)).toEqual(["Coco"]);
    expect((await suggestAsYouType(repos, ids.profileKid, "the cr")).at(-1)).toEqual([]);
    expect(events.filter((e) => e.operationId === "TitleSearch.search").length).toBeGreaterThanOrEqual(5);
  });

  it("starts playback after a strong subscription read and records it in the history", async () => {
    const { repos, events } = await streamingService();
    const result = await startPlayback(repos, { accountId: ids.account, profileId: ids.profileAda, titleId: "tt4574334", device: "tv", at: now });
    expect(result.started).toBe(true);
    expect(events.find((e) => e.operationId === "Subscription.get")).toMatchObject({ consistency: "strong", cache: "bypass" });
    const latest = await repos.viewingHistory.historyForProfile({ profileId: ids.profileAda }, { limit: 1 });
    expect(latest.items[0]).toMatchObject({ titleId: "tt4574334", positionSec: 0, watchedAt: now });
    expect((await startPlayback(repos, { accountId: ids.profileKid, profileId: ids.profileKid, titleId: "tt4574334", device: "tv", at: now })).started).toBe(false);
  });

  it("a profile write invalidates the cached profile", async () => {
    const { repos } = await streamingService();
    expect((await repos.profile.get({ profileId: ids.profileAda }))?.name).toBe("Ada");
    await repos.profile.update({ profileId: ids.profileAda }, { name: "Ada L." });
    expect((await repos.profile.get({ profileId: ids.profileAda }))?.name).toBe("Ada L.");
  });

  it("a title edit: the cache serves the new name at once, search finds it through the projection at the source version, the old name is gone", async () => {
    const { repos, events } = await streamingService();
    const titleId = "tt4574334";
    expect((await repos.title.get({ titleId }))?.name).toBe("Stranger Things");
    expect((await repos.title.get({ titleId }))?.name).toBe("Stranger Things");
    expect(events.filter((e) => e.operationId === "Title.get").map((e) => e.cache)).toEqual(["store", "l1"]);
    expect((await repos.titleSearch.search({ text: "stranger" })).items.map((d) => d.titleId)).toEqual([titleId]);

    await repos.title.update({ titleId }, { name: "Hawkins Lab" });
    events.length = 0;
    expect((await repos.title.get({ titleId }))?.name).toBe("Hawkins Lab");
    expect((await repos.title.get({ titleId }))?.name).toBe("Hawkins Lab");
    // The write left a tombstone: the first read went to the store and refilled the cache, the next one hit it.
    expect(events.filter((e) => e.operationId === "Title.get").map((e) => e.cache)).toEqual(["store", "l1"]);

    const found = await searchUntilFound(repos, "hawkins", (doc) => doc.titleId === titleId);
    expect(found?.doc).toMatchObject({ titleId, name: "Hawkins Lab", synopsis: expect.stringContaining("small town"), popularity: 95.1 });
    // The seed's put was version 1 and the edit version 2; the document carries the version it was made from.
    const sourceVersion = await titleSourceVersion(repos, titleId);
    expect(sourceVersion).toBe(2);
    expect(found!.doc.sourceVersion).toBe(sourceVersion);
    expect((await repos.titleSearch.getOrThrow({ titleId })).sourceVersion).toBe(sourceVersion);
    expect((await repos.titleSearch.search({ text: "stranger" })).items.map((d) => d.titleId)).toEqual([]);
  });

  it("a rebuild fills search from the titles without a relay, at each title's source version", async () => {
    const repos = createRepositories({ stores: memoryStores() });
    running.push(() => repos.close());
    await seed(repos, now);
    await repos.title.update({ titleId: "tt2380307" }, { popularity: 99 });
    expect((await repos.titleSearch.search({})).items).toEqual([]);
    expect(await rebuildProjection(repos.runtime, "titleSearch")).toEqual({ projection: "Title.titleSearch", scanned: 8, written: 8, skipped: 0, failed: 0 });
    await waitForCatalogSearch(repos, catalogTitleIds);
    expect((await repos.titleSearch.getOrThrow({ titleId: "tt2380307" })).sourceVersion).toBe(2);
    expect((await repos.titleSearch.popularInGenre({ primaryGenre: "family" })).items.map((d) => [d.name, d.popularity])).toEqual([["Coco", 99]]);
  });

  it("renews in one transaction and refuses a renewal based on a stale version", async () => {
    const { repos } = await streamingService();
    const current = await repos.subscription.getOrThrow({ accountId: ids.account });
    const renewed = await renewSubscription(repos, current, now);
    expect(renewed?.version).toBe(current.version + 1);
    expect(renewed?.renewsAt.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(await renewSubscription(repos, current, now)).toBeUndefined();
    expect((await repos.invoice.invoicesOfAccount({ accountId: ids.account })).items).toHaveLength(1);
  });

  it("computes recommendation rows from the history once, serves them from the cache, and recomputes them after a finished title", async () => {
    const { repos, cache } = await streamingService();
    const first = await loadRecommendations(repos, cache, ids.profileAda);
    expect(first.source).toBe("store");
    expect(first.rows).toEqual([{ genre: "drama", titleIds: ["tt4786824", "tt2442560", "tt2306299", "tt0944947"] }]);
    expect((await loadRecommendations(repos, cache, ids.profileAda)).source).toBe("l1");
    await finishPlayback(repos, cache, { profileId: ids.profileAda, titleId: "tt2380307", watchedAt: now, positionSec: 6000, device: "tv" });
    const after = await loadRecommendations(repos, cache, ids.profileAda);
    expect(after.source).toBe("store");
    expect(after.rows.map((r) => r.genre)).toEqual(["family", "drama"]);
  });

  it("charges a period once under concurrent submissions and a later retry, and the next period when it is due", async () => {
    const { repos } = await streamingService();
    const period = new Date("2026-12-01T00:00:00Z");
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => chargeForPeriod(repos, ids.account, period, now)));
    expect(outcomes.filter((o) => o.charged)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.charged).map((o) => !o.charged && o.reason)).toEqual(["already charged", "already charged", "already charged", "already charged"]);
    expect(await chargeForPeriod(repos, ids.account, period, now)).toEqual({ charged: false, reason: "already charged" });
    expect((await repos.invoice.invoicesOfAccount({ accountId: ids.account })).items).toHaveLength(1);
    expect((await repos.subscription.getOrThrow({ accountId: ids.account })).renewsAt.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(await chargeForPeriod(repos, ids.account, new Date("2027-02-01T00:00:00Z"), now)).toEqual({ charged: false, reason: "not due" });
    expect((await chargeForPeriod(repos, ids.account, new Date("2027-01-01T00:00:00Z"), now)).charged).toBe(true);
    expect((await repos.invoice.invoicesOfAccount({ accountId: ids.account })).items).toHaveLength(2);
  });
});

describe("streaming example's generated code", () => {
  it("is up to date (polyxena generate --check)", () => {
    const result = spawnSync(process.execPath, [join(exampleDir, "../../packages/codegen/bin/polyxena.mjs"), "generate", "--check"], { cwd: exampleDir, encoding: "utf8" });
    expect(result.stderr + result.stdout).not.toMatch(/stale/i);
    expect(result.status).toBe(0);
  });

  it("compiles with zero diagnostics under the strictest options", () => {
    const generated = join(exampleDir, "src", "generated");
    const roots = readdirSync(generated).filter((f) => f.endsWith(".ts")).map((f) => join(generated, f));
    expect(roots.length).toBeGreaterThan(6);
    const diagnostics = compileStrict([...roots, join(exampleDir, "src", "demo.ts")], (file) => file.startsWith(exampleDir));
    expect(diagnostics).toEqual([]);
  }, 180_000);
});
