import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CAPABILITIES, type EntityDefinition, type QueryRequest, type StoreAdapter, type StoreKind, type StorePage } from "@polyxena/core";
import { generateFiles, type EntitySource, writeGeneratedFiles } from "../src/index.js";
import { importSpecifier } from "../src/load-project.js";
import { Invoice, LedgerEntry } from "./fixtures/entities/billing.js";
import { Profile } from "./fixtures/entities/profile.js";
import { TitleDocument } from "./fixtures/entities/title-document.js";
import { ViewingHistory } from "./fixtures/entities/viewing-history.js";
import { compileStrict, type CompileDiagnostic } from "./helpers/compile-strict.js";
import { FIXTURES_DIR, makeTempDir, removeTempDir } from "./helpers/temp-project.js";

const TYPE_TESTS = `import type { StoreAdapter } from "@polyxena/core";
import { createRepositories, entities, type Database, type Invoice, type ViewingHistory, type ViewingHistoryKey } from "./generated/index.js";

declare const adapter: StoreAdapter;
const repos = createRepositories({ stores: { cassandra: adapter, postgres: adapter, dynamodb: adapter, elasticsearch: adapter } });

export async function usage(profileId: string): Promise<number> {
  const key: ViewingHistoryKey = { profileId, watchedAt: new Date() };
  const item: ViewingHistory | undefined = await repos.viewingHistory.get(key);
  const page = await repos.viewingHistory.historyForProfile({ profileId }, { limit: 10, range: { gte: new Date(0) } });
  const first: ViewingHistory | undefined = page.items[0];
  const next: string | undefined = page.cursor;
  const invoice: Invoice = await repos.invoice.update({ invoiceId: profileId }, { status: "paid" }, { expectedVersion: 1 });
  await repos.profile.put({ profileId, accountId: profileId, name: "Ada", createdAt: new Date() });
  const found = await repos.titleDocument.search({ text: "space", filter: { genre: "drama" }, sort: [{ field: "popularity", order: "desc" }] });
  await repos.transaction(async (tx) => tx.ledgerEntry.delete({ accountId: profileId, seq: 1 }));
  const row: Database["billing.invoice"] | undefined = undefined;
  const amount: bigint | undefined = row === undefined ? undefined : (row as Database["billing.invoice"]).amount_cents;
  await repos.close();
  return entities.length + (item ? 1 : 0) + (first ? 1 : 0) + (next ? 1 : 0) + invoice.version + found.total + (amount === undefined ? 0 : 1);
}

export async function misuse(profileId: string): Promise<void> {
  // @ts-expect-error the key field profileId is a uuid string, not a number
  await repos.viewingHistory.get({ profileId: 123, watchedAt: new Date() });
  // @ts-expect-error historyForProfile has no parameter titleId
  await repos.viewingHistory.historyForProfile({ profileId, titleId: "tt1" });
  // @ts-expect-error the range of historyForProfile restricts watchedAt, a Date
  await repos.viewingHistory.historyForProfile({ profileId }, { range: { gte: "yesterday" } });
  // @ts-expect-error the key of Invoice is invoiceId alone
  await repos.invoice.get({ accountId: profileId });
  // @ts-expect-error status must be one of the enum values
  await repos.invoice.update({ invoiceId: profileId }, { status: "refunded" });
  // @ts-expect-error key fields cannot be changed by update
  await repos.invoice.update({ invoiceId: profileId }, { invoiceId: profileId });
  // @ts-expect-error only Elasticsearch repositories can search
  await repos.invoice.search({ text: "x" });
  // @ts-expect-error a query without a range field takes no range
  await repos.titleDocument.popularInGenre({ genre: "drama" }, { range: { gte: "a" } });
}
`;

const definitions: [EntityDefinition, string][] = [
  [ViewingHistory, "viewing-history.ts"],
  [Invoice, "billing.ts"],
  [LedgerEntry, "billing.ts"],
  [Profile, "profile.ts"],
  [TitleDocument, "title-document.ts"],
];

let dir: string;
let outDir: string;
let diagnostics: CompileDiagnostic[];

beforeAll(() => {
  dir = makeTempDir("compile");
  outDir = join(dir, "generated");
  const sources: EntitySource[] = definitions.map(([definition, file]) => ({
    definition,
    importPath: importSpecifier(outDir, join(FIXTURES_DIR, "entities", file)),
    exportName: definition.name,
  }));
  writeGeneratedFiles(outDir, generateFiles(sources, { postgres: { schema: "billing" } }));
  writeFileSync(join(dir, "type-tests.ts"), TYPE_TESTS);
  writeFileSync(join(dir, "type-tests-unguarded.ts"), TYPE_TESTS.replaceAll("// @ts-expect-error", "// (expected error)"));
  // One program for both files: the checker runs once over the generated code.
  const roots = [...readdirSync(outDir).filter((f) => f.endsWith(".ts")).map((f) => join(outDir, f)), join(dir, "type-tests.ts"), join(dir, "type-tests-unguarded.ts")];
  diagnostics = compileStrict(roots, ownFile);
}, 300_000); // one strict compile of the whole program: a minute or more on a loaded two-core machine

afterAll(() => removeTempDir(dir));

// Generated files, the type tests and the fixture entities must be clean. @polyxena/core ships TS
// sources that the program also checks; they answer to core's own tsconfig, not to this test.
const ownFile = (file: string) => file.startsWith(dir) || file.startsWith(FIXTURES_DIR);

describe("generated code under the strictest compiler options", () => {
  it("compiles with zero diagnostics, and every @ts-expect-error is needed", () => {
    expect(readdirSync(outDir).filter((f) => f.endsWith(".ts"))).toHaveLength(7);
    expect(diagnostics.filter((d) => !d.file?.endsWith("type-tests-unguarded.ts"))).toEqual([]);
  });

  it("reports each misuse as an error when the expectations are removed", () => {
    const lines = TYPE_TESTS.split("\n");
    const expected = lines.flatMap((line, i) => (line.includes("@ts-expect-error") ? [i + 2] : []));
    const unguarded = diagnostics.filter((d) => d.file?.endsWith("type-tests-unguarded.ts"));
    expect([...new Set(unguarded.map((d) => d.line))].sort((a, b) => a! - b!)).toEqual(expected);
    const wrongKey = unguarded.find((d) => d.line === expected[0]);
    expect(wrongKey?.message).toContain("'number' is not assignable to type 'string'");
    expect(unguarded.find((d) => d.line === expected[1])?.message).toContain("'titleId' does not exist");
  });
});

/** A minimal adapter that records requests and serves canned pages. */
function recordingAdapter(kind: StoreKind, requests: QueryRequest[], page: StorePage): StoreAdapter {
  const unsupported = () => Promise.reject(new Error("not used in this test"));
  return {
    kind,
    name: kind,
    capabilities: { ...BASE_CAPABILITIES, search: kind === "elasticsearch" },
    get: () => Promise.resolve(undefined),
    getMany: (request) => Promise.resolve(request.keys.map(() => undefined)),
    put: unsupported,
    update: unsupported,
    delete: unsupported,
    query: (request) => {
      requests.push(request);
      return Promise.resolve(page);
    },
    close: () => Promise.resolve(),
  };
}

describe("generated repositories at runtime", () => {
  it("createRepositories wires every entity to its store and queries hand typed params to the runtime", async () => {
    const generated = (await import(join(outDir, "index.ts"))) as typeof import("./generated-index-shape.js");
    const requests: QueryRequest[] = [];
    const watchedAt = new Date("2026-01-02T03:04:05.000Z");
    const profileId = "0b7e7dd6-7d2b-4cf5-9f4e-3f1d3f3e8a11";
    const stored = { profileId, watchedAt, titleId: "tt0001", positionSec: 42, device: "tv" };
    const stores = Object.fromEntries((["cassandra", "postgres", "dynamodb", "elasticsearch"] as const).map((k) => [k, recordingAdapter(k, requests, { items: [stored] })]));
    const repos = generated.createRepositories({ stores });
    expect(generated.entities.map((e) => e.name)).toEqual(["Invoice", "LedgerEntry", "Profile", "TitleDocument", "ViewingHistory"]);
    expect(Object.keys(repos).filter((k) => k !== "transaction" && k !== "close" && k !== "runtime").sort()).toEqual(["invoice", "ledgerEntry", "profile", "titleDocument", "viewingHistory"]);

    const page = await repos.viewingHistory.viewersOfTitle({ titleId: "tt0001" }, { limit: 5, range: { lt: watchedAt } });
    expect(page.items).toEqual([stored]);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.op.id).toBe("ViewingHistory.query.viewersOfTitle");
    expect(request.op.query?.index).toMatchObject({ kind: "table", name: "viewing_history_by_title_id" });
    expect(request.params).toEqual({ titleId: "tt0001" });
    expect(request.limit).toBe(5);
    expect(request.range).toEqual({ lt: watchedAt });
    expect(typeof repos.titleDocument.search).toBe("function");
    expect("search" in repos.viewingHistory).toBe(false);
    await repos.close();
  });
});
