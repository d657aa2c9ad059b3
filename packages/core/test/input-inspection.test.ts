import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CursorCodec, PolyxenaRuntime, defineEntity, isPolyxenaError, type PolyxenaError, type PolyxenaErrorCode } from "../src/index.js";
import { recordingAdapter } from "./helpers/recording-adapter.js";

const Profile = defineEntity("Profile", {
  store: "postgres",
  schema: z.object({
    profileId: z.uuid(),
    settings: z.object({ theme: z.string(), flags: z.array(z.object({ name: z.string() })) }),
    extras: z.looseObject({ source: z.string() }).optional(),
    counts: z.record(z.string(), z.number()).optional(),
    tree: z.unknown().optional(),
  }),
  key: { primary: ["profileId"] },
  queries: { byTheme: { by: ["profileId"] } },
});

const ID = "7f2c1a34-9b1e-4c1d-8d36-0c4bb3c1e0a1";
const profile = { profileId: ID, settings: { theme: "dark", flags: [{ name: "beta" }] } };

async function rejection(promise: Promise<unknown>, code: PolyxenaErrorCode): Promise<PolyxenaError> {
  try {
    await promise;
  } catch (error) {
    if (isPolyxenaError(error, code)) return error;
    throw new Error(`expected ${code}, got ${String((error as Error)?.stack ?? error)}`);
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

function setup() {
  const adapter = recordingAdapter();
  const repo = new PolyxenaRuntime({ stores: { postgres: adapter } }, [Profile]).entity(Profile);
  return { adapter, repo };
}

describe("input inspection before validation", () => {
  it("refuses unknown fields inside declared nested objects, and accepts them in loose objects", async () => {
    const { adapter, repo } = setup();
    const error = await rejection(repo.put({ ...profile, settings: { ...profile.settings, flags: [{ name: "beta", colour: "red" }] } }), "E_VALIDATION");
    expect(error.issues?.map((i) => i.path.join("."))).toEqual(["settings.flags.0.colour"]);
    expect(adapter.requests).toEqual([]);
    await repo.put({ ...profile, extras: { source: "import", batch: 7 } });
    expect(adapter.requests.map((r) => r.method)).toEqual(["put"]);
  });

  it("refuses a prototype key inside a record field instead of letting the copy take it as its prototype", async () => {
    const { adapter, repo } = setup();
    const counts = JSON.parse('{ "views": 1, "__proto__": { "polluted": 1 } }') as Record<string, number>;
    const error = await rejection(repo.put({ ...profile, counts }), "E_VALIDATION");
    expect(error.issues?.map((i) => i.path.join("."))).toEqual(["counts.__proto__"]);
    expect(adapter.requests).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses input nested deeper than 64 levels with E_VALIDATION, not a stack overflow", async () => {
    const { repo } = setup();
    let tree: unknown = "leaf";
    for (let i = 0; i < 100_000; i++) tree = [tree];
    const error = await rejection(repo.put({ ...profile, tree }), "E_VALIDATION");
    expect(error.message).toContain("nested deeper than 64 levels");
  });

  it("refuses a signed cursor whose position holds a prototype key", () => {
    const codec = new CursorCodec("a-secret-of-at-least-16-bytes");
    const position = JSON.parse('{ "after": "x", "__proto__": { "polluted": 1 } }') as unknown;
    const cursor = codec.encode("scope", position);
    expect(() => codec.decode("scope", cursor)).toThrow(/invalid cursor: the key __proto__ is not accepted/);
    expect(codec.decode("scope", codec.encode("scope", { after: "x" }))).toEqual({ after: "x" });
  });

  it("refuses hostile keys and lone surrogates in search filters and text", async () => {
    const Doc = defineEntity("Doc", {
      store: "elasticsearch",
      schema: z.object({ docId: z.string(), title: z.string(), kind: z.string() }),
      key: { id: "docId" },
      search: { text: ["title"] },
    });
    const adapter = { ...recordingAdapter({ search: true }), kind: "elasticsearch" as const, name: "elasticsearch", search: async () => ({ items: [], total: 0, hits: [] }) };
    const repo = new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [Doc]).entity(Doc);
    await rejection(repo.search({ filter: JSON.parse('{ "__proto__": { "kind": "x" } }') as never }), "E_VALIDATION");
    await rejection(repo.search({ filter: { kind: { gte: "a\ud800" } } as never }), "E_VALIDATION");
    await rejection(repo.search({ text: "lone \udc00" }), "E_VALIDATION");
    await repo.search({ text: "fine", filter: { kind: "x" } });
  });
});
