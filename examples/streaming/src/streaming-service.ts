import { randomUUID } from "node:crypto";
import { isPolyxenaError, type CacheAside, type ReadSource, type RepositoriesControl } from "@polyxena/core";
import type { Repositories, Subscription, Title, ViewingHistory } from "./generated/index.js";

/** What the homepage shows a profile. */
export interface Homepage {
  greeting: string;
  continueWatching: { title: Title; positionSec: number }[];
  newInDrama: Title[];
  searchResults: { name: string; score: number | null; highlight?: string | undefined }[];
}

/**
 * Loads the homepage of one profile: profile metadata (DynamoDB, cached),
 * continue-watching (Cassandra history joined with cached titles), a cached
 * genre row (DynamoDB GSI query) and a search (Elasticsearch).
 */
export async function loadHomepage(repos: Repositories, profileId: string, searchText: string): Promise<Homepage> {
  const profile = await repos.profile.getOrThrow({ profileId });
  const history = await repos.viewingHistory.historyForProfile({ profileId }, { limit: 10 });
  const latestByTitle = new Map<string, ViewingHistory>();
  for (const entry of history.items) if (!latestByTitle.has(entry.titleId)) latestByTitle.set(entry.titleId, entry);
  const titles = await repos.title.getMany([...latestByTitle.keys()].map((titleId) => ({ titleId })));
  const continueWatching = titles.flatMap((title) => (title ? [{ title, positionSec: latestByTitle.get(title.titleId)!.positionSec }] : []));
  const newInDrama = (await repos.title.titlesInGenre({ primaryGenre: "drama" }, { limit: 3 })).items;
  const search = await repos.titleSearch.search({
    text: searchText,
    filter: { maturityRating: profile.maturityRating === "kids" ? ["kids"] : ["kids", "teen", "adult"] },
    limit: 3,
    highlight: true,
  });
  return {
    greeting: `Welcome back, ${profile.name}`,
    continueWatching,
    newInDrama,
    searchResults: search.items.map((item, i) => ({ name: item.name, score: search.hits[i]?.score ?? null, highlight: search.hits[i]?.highlights?.name?.[0] })),
  };
}

/**
 * Search suggestions as the user types into the search box: one search per keystroke from the
 * second character on, each matching the last word as a prefix (`asYouType`), over title
 * names, filtered by the profile's maturity rating. Returns the names shown after each keystroke.
 */
export async function suggestAsYouType(repos: Repositories, profileId: string, typed: string, limit = 5): Promise<string[][]> {
  const profile = await repos.profile.getOrThrow({ profileId });
  const maturityRating = profile.maturityRating === "kids" ? ["kids"] : ["kids", "teen", "adult"];
  const shown: string[][] = [];
  for (let length = 2; length <= typed.length; length++) {
    const page = await repos.titleSearch.search({ text: typed.slice(0, length), asYouType: true, fields: ["name"], filter: { maturityRating }, limit });
    shown.push(page.items.map((item) => item.name));
  }
  return shown;
}

/** Outcome of a playback start. */
export type PlaybackStart = { started: true; subscription: Subscription } | { started: false; reason: string };

/**
 * Starts playback: checks the subscription with a strong read (Postgres,
 * never from cache), then records the start in the viewing history
 * (Cassandra, LOCAL_QUORUM, with TTL).
 */
export async function startPlayback(repos: Repositories, input: { accountId: string; profileId: string; titleId: string; device: ViewingHistory["device"]; at: Date }): Promise<PlaybackStart> {
  const subscription = await repos.subscription.get({ accountId: input.accountId });
  if (!subscription || subscription.status !== "active") return { started: false, reason: `subscription is ${subscription?.status ?? "missing"}` };
  const title = await repos.title.get({ titleId: input.titleId });
  if (!title) return { started: false, reason: `unknown title ${input.titleId}` };
  await repos.viewingHistory.put({ profileId: input.profileId, watchedAt: input.at, titleId: title.titleId, positionSec: 0, device: input.device });
  return { started: true, subscription };
}

/**
 * Renews a subscription: the new invoice and the subscription's new renewal
 * date are written in one Postgres transaction, guarded by the version the
 * caller read. Returns the renewed subscription, or `undefined` when someone
 * else changed it first.
 */
export async function renewSubscription(repos: Repositories & RepositoriesControl<Repositories>, current: Subscription, now: Date): Promise<Subscription | undefined> {
  try {
    return await repos.transaction(async (tx) => {
      await tx.invoice.put(
        { invoiceId: randomUUID(), accountId: current.accountId, amountCents: current.priceCents, currency: current.currency, issuedAt: now, status: "open" },
        { ifNotExists: true },
      );
      const renewsAt = new Date(current.renewsAt);
      renewsAt.setUTCMonth(renewsAt.getUTCMonth() + 1);
      return tx.subscription.update({ accountId: current.accountId }, { renewsAt }, { expectedVersion: current.version });
    }, { store: "postgres" });
  } catch (error) {
    if (isPolyxenaError(error, "E_CONDITION_FAILED")) return undefined;
    throw error;
  }
}

/** Outcome of a monthly charge: charged now, or already charged for that period by an earlier or concurrent submission. */
export type ChargeOutcome = { charged: true; subscription: Subscription } | { charged: false; reason: "already charged" | "not due" | "gave up" };

/**
 * Charges the period of a subscription that begins at `period` (its
 * `renewsAt`), idempotently: a retry or a concurrent submission of the same
 * charge finds the period already renewed and bills nothing. A submission
 * refused because another changed the subscription first re-reads it and
 * decides again, so a lost race never leaves the period unbilled.
 */
export async function chargeForPeriod(repos: Repositories & RepositoriesControl<Repositories>, accountId: string, period: Date, now: Date, maxAttempts = 5): Promise<ChargeOutcome> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await repos.subscription.getOrThrow({ accountId });
    if (current.renewsAt.getTime() > period.getTime()) return { charged: false, reason: "already charged" };
    if (current.renewsAt.getTime() < period.getTime()) return { charged: false, reason: "not due" };
    const renewed = await renewSubscription(repos, current, now);
    if (renewed) return { charged: true, subscription: renewed };
  }
  return { charged: false, reason: "gave up" };
}

/** A precomputed homepage row: a genre the profile watches and titles of it. */
export interface RecommendationRow {
  genre: string;
  titleIds: string[];
}

/** The cache key of a profile's recommendation rows (derived data, not an entity). */
export function recommendationsKey(profileId: string): string {
  return `recommendations:${profileId}`;
}

/**
 * The profile's recommendation rows through `cache.getOrLoad`: a miss
 * computes them from the viewing history (Cassandra) and the titles' genres
 * (DynamoDB, cached) and caches them for ten minutes.
 */
export async function loadRecommendations(repos: Repositories, cache: CacheAside, profileId: string): Promise<{ rows: RecommendationRow[]; source: ReadSource }> {
  const read = await cache.getOrLoad(
    recommendationsKey(profileId),
    async (): Promise<RecommendationRow[]> => {
      const history = await repos.viewingHistory.historyForProfile({ profileId }, { limit: 20 });
      const watched = await repos.title.getMany([...new Set(history.items.map((h) => h.titleId))].map((titleId) => ({ titleId })));
      const genres = [...new Set(watched.flatMap((t) => (t ? [t.primaryGenre] : [])))].slice(0, 3);
      return Promise.all(
        genres.map(async (genre) => ({ genre, titleIds: (await repos.title.titlesInGenre({ primaryGenre: genre }, { limit: 5 })).items.map((t) => t.titleId) })),
      );
    },
    { ttlMs: 600_000, l1: { ttlMs: 30_000, max: 10_000 } },
  );
  return { rows: read.value, source: read.source };
}

/**
 * Records that the profile finished a title: its last position in the
 * viewing history, then the recommendation rows invalidated so the next
 * homepage recomputes them from the new history.
 */
export async function finishPlayback(repos: Repositories, cache: CacheAside, input: { profileId: string; titleId: string; watchedAt: Date; positionSec: number; device: ViewingHistory["device"] }): Promise<void> {
  await repos.viewingHistory.put({ profileId: input.profileId, watchedAt: input.watchedAt, titleId: input.titleId, positionSec: input.positionSec, device: input.device });
  await cache.invalidateDerived([recommendationsKey(input.profileId)]);
}
