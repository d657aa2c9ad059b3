import type { CacheAside, ReadSource } from "@polyxena/core";
import type { Repositories } from "./generated/index.js";
import type { DemoRecorder } from "./demo-metrics.js";
import { searchUntilFound, titleSourceVersion, type ServiceRepositories } from "./catalog-projection.js";
import { catalogTitleIds } from "./seed-data.js";
import { chargeForPeriod, finishPlayback, loadHomepage, loadRecommendations, startPlayback, suggestAsYouType } from "./streaming-service.js";

/** The scenarios, in the order the demo runs them. */
export const scenarioNames = ["homepage", "playback", "billing", "catalog update"] as const;

/** What the simulated profiles did, counted from the results the service returned. */
export interface SimulationResult {
  profiles: number;
  homepagesLoaded: number;
  /** Searches sent as profiles typed into the search box (one per keystroke), and how many showed a suggestion. */
  suggestionSearches: number;
  suggestionsShown: number;
  playbacksStarted: number;
  progressWrites: number;
  /** Where each recommendation read was served from (`store` = computed by the loader), per scenario. */
  recommendationSources: Record<string, Partial<Record<ReadSource, number>>>;
  /** Profiles whose rows changed after playback finished and invalidated them. */
  recommendationsRecomputed: number;
  /** Accounts charged twice at once for the same period. */
  billingAccounts: number;
  /** Charges applied (one per account expected). */
  chargesApplied: number;
  /** Concurrent duplicates that found the period already charged. */
  duplicatesRefused: number;
  /** Submissions that neither charged nor found the period charged (should be 0). */
  chargesGivenUp: number;
  /** Invoices the accounts hold after billing. */
  invoices: number;
  catalogUpdates: CatalogUpdate[];
}

/** One catalog edit: when a reader and search saw the new name. */
export interface CatalogUpdate {
  titleId: string;
  oldName: string;
  newName: string;
  /** The reader's `title.get` (through the cache) right after the write was acknowledged returned the new name. */
  readerSawNewName: boolean;
  /** Milliseconds from the write's acknowledgement until a search found the new name; `null` if none did within the wait. */
  searchLagMs: number | null;
  /** The source version the outbox recorded for the edit, and the one the search document found carries (external version). */
  sourceVersion: number | undefined;
  searchVersion: number | undefined;
  /** A search for the old name still found the title under it after the new name was found. */
  oldNameStillFound: boolean;
}

/** The billing period the simulated subscriptions are due for (their seeded `renewsAt`). */
export const billingPeriod = new Date("2026-12-01T00:00:00Z");

const searchPrefixes = ["kingdom", "family", "heist", "mystery", "war"];
/** What the profiles type into the search box, a keystroke at a time. */
const typedSearches = ["stran", "the cr", "kni", "peaky b", "vik"];

/** The identifiers of simulated profile `i` (one account and profile each). */
export function simulatedIds(i: number): { accountId: string; profileId: string } {
  const hex = i.toString(16).padStart(12, "0");
  return { accountId: `a0000000-0000-4000-8000-${hex}`, profileId: `b0000000-0000-4000-8000-${hex}` };
}

/** Writes the accounts, profiles, subscriptions and a viewing history of `profiles` simulated profiles. */
export async function seedProfiles(repos: Repositories, profiles: number, now: Date, onProgress: () => void): Promise<void> {
  await inBatches(profiles, 50, async (i) => {
    const { accountId, profileId } = simulatedIds(i);
    await repos.profile.put({ profileId, accountId, name: `Viewer ${i + 1}`, maturityRating: i % 10 === 0 ? "kids" : "adult", language: "en", createdAt: new Date("2024-03-01T10:00:00Z") });
    await repos.subscription.put(
      { accountId, plan: i % 3 === 0 ? "premium" : "standard", status: "active", priceCents: i % 3 === 0 ? 2299 : 1549, currency: "USD", renewsAt: billingPeriod, maxStreams: 4, version: 0 },
      { ifNotExists: true },
    );
    for (let d = 1; d <= 2; d++) {
      await repos.viewingHistory.put({ profileId, watchedAt: new Date(now.getTime() - (d + (i % 5)) * 86_400_000), titleId: catalogTitleIds[(i + d) % catalogTitleIds.length]!, positionSec: 300 * d, device: "tv" });
    }
    onProgress();
  });
}

async function inBatches(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Runs the four scenarios for `profiles` profiles at once (at most
 * `concurrency` in flight), attributing every operation to its scenario.
 */
export async function simulate(
  repos: ServiceRepositories,
  recorder: DemoRecorder,
  cache: CacheAside,
  options: { profiles: number; now: Date; concurrency?: number; onProgress: (scenario: string) => void },
): Promise<SimulationResult> {
  const { profiles, now } = options;
  const width = options.concurrency ?? 50;
  const before = new Map<string, string>();
  const recommendations = async (scenario: string, profileId: string) => {
    const read = await loadRecommendations(repos, cache, profileId);
    const counts = (result.recommendationSources[scenario] ??= {});
    counts[read.source] = (counts[read.source] ?? 0) + 1;
    return JSON.stringify(read.rows);
  };
  const result: SimulationResult = {
    profiles,
    homepagesLoaded: 0,
    suggestionSearches: 0,
    suggestionsShown: 0,
    playbacksStarted: 0,
    progressWrites: 0,
    recommendationSources: {},
    recommendationsRecomputed: 0,
    billingAccounts: 0,
    chargesApplied: 0,
    duplicatesRefused: 0,
    chargesGivenUp: 0,
    invoices: 0,
    catalogUpdates: [],
  };

  await recorder.run("homepage", () =>
    inBatches(profiles, width, async (i) => {
      const { profileId } = simulatedIds(i);
      // Twice: the second load is what a returning viewer costs.
      for (let round = 0; round < 2; round++) {
        const home = await loadHomepage(repos, profileId, searchPrefixes[i % searchPrefixes.length]!);
        if (home.greeting.endsWith(`Viewer ${i + 1}`)) result.homepagesLoaded++;
        if (round === 0) {
          const shown = await suggestAsYouType(repos, profileId, typedSearches[i % typedSearches.length]!);
          result.suggestionSearches += shown.length;
          result.suggestionsShown += shown.filter((names) => names.length > 0).length;
        }
        before.set(profileId, await recommendations("homepage", profileId));
      }
      options.onProgress("homepage");
    }),
  );

  await recorder.run("playback", () =>
    inBatches(profiles, width, async (i) => {
      const { accountId, profileId } = simulatedIds(i);
      // A title of a genre the profile has not watched, so finishing it changes the rows.
      const titleId = i % 2 === 0 ? "tt8946378" : "tt2380307";
      const at = new Date(now.getTime() + i * 1000);
      const started = await startPlayback(repos, { accountId, profileId, titleId, device: "tv", at });
      if (started.started) {
        result.playbacksStarted++;
        for (let minute = 5; minute <= 15; minute += 5) {
          await repos.viewingHistory.put({ profileId, watchedAt: at, titleId, positionSec: minute * 60, device: "tv" });
          result.progressWrites++;
        }
        await finishPlayback(repos, cache, { profileId, titleId, watchedAt: at, positionSec: 20 * 60, device: "tv" });
        if ((await recommendations("playback", profileId)) !== before.get(profileId)) result.recommendationsRecomputed++;
      }
      options.onProgress("playback");
    }),
  );

  await recorder.run("billing", () =>
    inBatches(profiles, width, async (i) => {
      const { accountId } = simulatedIds(i);
      // The same charge submitted twice at once (a client retry racing the original).
      const outcomes = await Promise.all([chargeForPeriod(repos, accountId, billingPeriod, now), chargeForPeriod(repos, accountId, billingPeriod, now)]);
      result.billingAccounts++;
      result.chargesApplied += outcomes.filter((o) => o.charged).length;
      result.duplicatesRefused += outcomes.filter((o) => !o.charged && o.reason === "already charged").length;
      result.chargesGivenUp += outcomes.filter((o) => !o.charged && o.reason !== "already charged").length;
      const invoices = await repos.invoice.invoicesOfAccount({ accountId });
      result.invoices += invoices.items.length;
      options.onProgress("billing");
    }),
  );

  await recorder.run("catalog update", async () => {
    // Four editors at once, each timing its own edit.
    const updates = await Promise.all(
      catalogTitleIds.slice(0, 4).map(async (titleId) => {
        const update = await updateTitle(repos, titleId);
        options.onProgress("catalog update");
        return update;
      }),
    );
    result.catalogUpdates.push(...updates);
  });
  return result;
}

/**
 * Renames a title in DynamoDB (the only write: search follows through the
 * declared `titleSearch` projection), reads it back through the cache at
 * once, then searches for the new name until a search finds it, timing
 * from the write's acknowledgement.
 */
async function updateTitle(repos: ServiceRepositories, titleId: string): Promise<CatalogUpdate> {
  const title = await repos.title.getOrThrow({ titleId });
  const newName = `${title.name} Remastered`;
  await repos.title.update({ titleId }, { name: newName });
  const acknowledgedAt = performance.now();
  const readerSawNewName = (await repos.title.get({ titleId }))?.name === newName;
  const found = await searchUntilFound(repos, newName, (doc) => doc.titleId === titleId && doc.name === newName, { since: acknowledgedAt });
  const underOldName = await repos.titleSearch.search({ text: title.name, limit: 10 });
  return {
    titleId,
    oldName: title.name,
    newName,
    readerSawNewName,
    searchLagMs: found?.afterMs ?? null,
    sourceVersion: await titleSourceVersion(repos, titleId),
    searchVersion: found?.doc.sourceVersion,
    oldNameStillFound: underOldName.items.some((doc) => doc.titleId === titleId && doc.name === title.name),
  };
}
