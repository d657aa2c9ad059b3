/**
 * The streaming demo: a homepage load and a playback start on the in-memory
 * adapters, with the cache-aside tier on an in-memory cache driver. Every
 * repository operation is printed as it settles: store, entity, operation,
 * consistency and where a read was served from.
 */
import { MemoryCacheDriver, memoryStores } from "@polyxena/adapters/memory";
import { createCacheAside, type OperationEvent } from "@polyxena/core";
import { createRepositories } from "./generated/index.js";
import { ids, seed } from "./seed-data.js";
import { loadHomepage, renewSubscription, startPlayback } from "./streaming-service.js";

let printing = false;
function printEvent(event: OperationEvent): void {
  if (!printing) return;
  const kind = ["get", "getMany", "query", "search"].includes(event.operation) ? "read " : "write";
  const served = event.cache === "bypass" ? "" : ` from ${event.cache === "store" ? "store (cache miss, filled)" : event.cache}`;
  const consistency = event.nativeConsistency ?? event.consistency;
  const outcome = event.outcome === "ok" ? "" : `  -> ${event.errorCode}`;
  console.log(`    ${kind} ${event.store.padEnd(13)} ${event.operationId.padEnd(40)} ${consistency}${served}${outcome}`);
}

const now = new Date("2026-11-26T20:00:00Z");
const cache = createCacheAside({ driver: new MemoryCacheDriver() });
const repos = createRepositories({ stores: memoryStores(), cache, onOperation: printEvent });

await seed(repos, now);
printing = true;

console.log("\n1. Homepage load for Ada");
const home = await loadHomepage(repos, ids.profileAda, "kingdom");
console.log(`  ${home.greeting}`);
console.log(`  continue watching: ${home.continueWatching.map((c) => `${c.title.name} @ ${Math.round(c.positionSec / 60)} min`).join(", ")}`);
console.log(`  new in drama: ${home.newInDrama.map((t) => `${t.name} (${t.releaseYear})`).join(", ")}`);
console.log(`  search "kingdom": ${home.searchResults.map((r) => `${r.name} [${r.score?.toFixed(2)}]`).join(", ")}`);

console.log("\n2. The same homepage again (served from the cache where the policy allows)");
await loadHomepage(repos, ids.profileAda, "kingdom");

console.log("\n3. Playback start: Ada plays Stranger Things on the TV");
const playback = await startPlayback(repos, { accountId: ids.account, profileId: ids.profileAda, titleId: "tt4574334", device: "tv", at: now });
console.log(playback.started ? `  started; plan ${playback.subscription.plan}, up to ${playback.subscription.maxStreams} streams` : `  refused: ${playback.reason}`);

console.log("\n4. Ada renames her profile: the write invalidates the cached profile everywhere");
await repos.profile.update({ profileId: ids.profileAda }, { name: "Ada L." });
console.log(`  profile now reads: ${(await repos.profile.get({ profileId: ids.profileAda }))?.name}`);

console.log("\n5. Billing renews the subscription (invoice + subscription in one Postgres transaction)");
const current = await repos.subscription.getOrThrow({ accountId: ids.account });
const renewed = await renewSubscription(repos, current, now);
console.log(`  renewed: next renewal ${renewed?.renewsAt.toISOString().slice(0, 10)}, version ${renewed?.version}`);
const raced = await renewSubscription(repos, current, now);
console.log(`  a second renewal with the stale version ${current.version}: ${raced ? "applied (wrong!)" : "refused with E_CONDITION_FAILED, nothing written"}`);
const invoices = await repos.invoice.invoicesOfAccount({ accountId: ids.account });
console.log(`  invoices on the account: ${invoices.items.length}`);

const stats = cache.stats();
console.log(`\ncache: ${JSON.stringify(stats)}`);
printing = false;
await repos.close();
