/**
 * How search follows the catalogue: Title declares change events and the
 * `titleSearch` projection, so every title write records its event in the
 * same DynamoDB TransactWriteItems (the outbox), and a relay hands the events
 * to the projection applier, which writes TitleSearch with the title's
 * version as its external version. The service writes titles only.
 */
import { changeKeyString, createOutboxRelay, createProjectionApplier, type OperationListener, type OutboxPort, type OutboxRelay, type RepositoriesControl } from "@polyxena/core";
import { TitleDefinition, type Repositories, type TitleSearch } from "./generated/index.js";

/** The service's repositories with their runtime (as `createRepositories` returns them). */
export type ServiceRepositories = Repositories & RepositoriesControl<Repositories>;

/** Options of {@link startCatalogProjection}. */
export interface CatalogProjectionOptions {
  /** Receives the relay's `publish` operation events (one per event and sink, with the write's `changeId`). */
  onOperation?: OperationListener | undefined;
  /** Pause of the relay when a round found nothing (default 5 ms: the demo measures the lag). */
  idleMs?: number | undefined;
}

/** The outbox Title's change events are recorded in (the DynamoDB adapter's). */
export function catalogOutbox(repos: ServiceRepositories): OutboxPort {
  const outbox = repos.runtime.adapterFor(TitleDefinition.model).outbox;
  // The runtime refuses an adapter without an outbox for an entity with events, so this cannot be reached.
  if (!outbox) throw new Error(`the ${TitleDefinition.model.store.kind} adapter has no outbox`);
  return outbox;
}

/**
 * Starts the relay that keeps search in step with the catalogue: Title's
 * outbox to the projection applier, which writes through `repos` (so
 * TitleSearch's cache is invalidated and its writes are operation events
 * carrying the title write's `changeId`). Stop it before closing `repos`.
 *
 * @example
 * const relay = startCatalogProjection(repos);
 * await repos.title.update({ titleId }, { name: "New name" });
 * // ... search finds "New name" once the relay has applied the change
 * await relay.stop();
 */
export function startCatalogProjection(repos: ServiceRepositories, options: CatalogProjectionOptions = {}): OutboxRelay {
  const relay = createOutboxRelay({
    outbox: catalogOutbox(repos),
    sinks: [createProjectionApplier({ runtime: repos.runtime })],
    onOperation: options.onOperation,
    idleMs: options.idleMs ?? 5,
  });
  relay.start();
  return relay;
}

/**
 * Runs `work` with the catalogue projection's relay running, once search
 * holds the catalogue's latest versions (`titleIds`); stops the relay after,
 * whatever `work` did.
 */
export async function withCatalogProjection<T>(repos: ServiceRepositories, titleIds: readonly string[], work: () => Promise<T>, options: CatalogProjectionOptions = {}): Promise<T> {
  const relay = startCatalogProjection(repos, options);
  try {
    await waitForCatalogSearch(repos, titleIds);
    return await work();
  } finally {
    await relay.stop();
  }
}

/** The latest source version the outbox recorded for a title (undefined when it was never written). */
export function titleSourceVersion(repos: ServiceRepositories, titleId: string): Promise<number | undefined> {
  return catalogOutbox(repos).latestVersion(TitleDefinition.name, changeKeyString(TitleDefinition.model, { titleId }));
}

/**
 * Waits until search finds every title of `titleIds` at its latest source
 * version (the projection applied the latest change and the search index
 * refreshed); throws when it has not after `timeoutMs`.
 */
export async function waitForCatalogSearch(repos: ServiceRepositories, titleIds: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const versions = new Map(await Promise.all(titleIds.map(async (id) => [id, await titleSourceVersion(repos, id)] as const)));
  for (;;) {
    const page = await repos.titleSearch.search({ filter: { titleId: [...titleIds] }, limit: titleIds.length });
    const behind = titleIds.filter((id) => page.items.find((doc) => doc.titleId === id)?.sourceVersion !== versions.get(id));
    if (behind.length === 0) return;
    if (performance.now() > deadline) throw new Error(`search did not reach the catalogue's latest versions within ${timeoutMs} ms: ${behind.join(", ")} behind (is the catalogue projection's relay running?)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Searches `text` every 10 ms until a search returns a document `accept`s;
 * resolves with it and the milliseconds from `since` (default: now) until
 * that search returned, or `undefined` after `timeoutMs`.
 */
export async function searchUntilFound(
  repos: Repositories,
  text: string,
  accept: (doc: TitleSearch) => boolean,
  options: { since?: number; timeoutMs?: number } = {},
): Promise<{ doc: TitleSearch; afterMs: number } | undefined> {
  const since = options.since ?? performance.now();
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const doc = (await repos.titleSearch.search({ text, limit: 10 })).items.find(accept);
    if (doc) return { doc, afterMs: performance.now() - since };
    if (performance.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
