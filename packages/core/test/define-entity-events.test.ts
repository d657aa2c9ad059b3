import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, PolyxenaRuntime, type StoreAdapter } from "../src/index.js";
import { recordingAdapter } from "./helpers/recording-adapter.js";

const Search = defineEntity("Search", {
  store: "elasticsearch",
  schema: z.object({ id: z.string(), name: z.string(), sourceVersion: z.number().int() }),
  key: { id: "id" },
  version: "sourceVersion",
});

const Unversioned = defineEntity("Unversioned", {
  store: "elasticsearch",
  schema: z.object({ id: z.string(), name: z.string() }),
  key: { id: "id" },
});

const sourceSchema = z.object({ id: z.string(), name: z.string(), year: z.number().int() });

function definitionFailure(run: () => unknown): { path?: string; message: string; fix?: string } {
  try {
    run();
  } catch (error) {
    if (isPolyxenaError(error, "E_DEFINITION")) return { path: error.path, message: error.message, fix: error.fix };
    throw error;
  }
  throw new Error("expected E_DEFINITION");
}

describe("events and projections in defineEntity", () => {
  it("normalizes events (default topic and carry) and projections into the model", () => {
    const Source = defineEntity("Source", {
      store: "postgres",
      schema: sourceSchema,
      key: { primary: ["id"] },
      projections: { search: { to: Search, map: (s) => ({ id: s.id, name: `${s.name} ${s.year}` }) } },
    });
    expect(Source.model.events).toEqual({ topic: "polyxena.source", carry: "item" });
    expect(Source.model.projections).toEqual([{ name: "search", target: "Search", targetStore: { kind: "elasticsearch", name: "default" }, targetVersionField: "sourceVersion" }]);
    expect(Source.projections?.[0]?.map({ id: "a", name: "x", year: 2000 })).toEqual({ id: "a", name: "x 2000" });
    const Keyed = defineEntity("Keyed", { store: "dynamodb", schema: sourceSchema, key: { partition: "id" }, events: { topic: "keyed.v1", carry: "key" } });
    expect(Keyed.model.events).toEqual({ topic: "keyed.v1", carry: "key" });
    expect(Keyed.model.projections).toBeUndefined();
  });

  it("types the map from both schemas", () => {
    defineEntity("Typed", {
      store: "postgres",
      schema: sourceSchema,
      key: { primary: ["id"] },
      projections: {
        // @ts-expect-error name is required by the target schema
        search: { to: Search, map: (s) => ({ id: s.id }) },
      },
    });
    defineEntity("Typed2", {
      store: "postgres",
      schema: sourceSchema,
      key: { primary: ["id"] },
      projections: {
        // @ts-expect-error the source has no field "title"
        search: { to: Search, map: (s) => ({ id: s.id, name: s.title }) },
      },
    });
  });

  it("refuses projections and events that cannot work, naming path and fix", () => {
    const base = { schema: sourceSchema, key: { primary: ["id"] as const } };
    let failure = definitionFailure(() => defineEntity("A", { ...base, store: "postgres", key: { primary: ["id"] }, projections: { search: { to: Unversioned, map: (s) => ({ id: s.id, name: s.name }) } } }));
    expect(failure.path).toBe("projections.search.to");
    expect(failure.message).toContain("declares no version field");
    expect(failure.fix).toContain('version: "sourceVersion"');

    failure = definitionFailure(() => defineEntity("B", { store: "elasticsearch", schema: sourceSchema, key: { id: "id" }, events: {} }));
    expect(failure.path).toBe("events");
    expect(failure.message).toContain("cannot record a change event atomically");

    failure = definitionFailure(() => defineEntity("C", { store: "postgres", schema: sourceSchema, key: { primary: ["id"] }, events: { carry: "key" }, projections: { search: { to: Search, map: (s) => ({ id: s.id, name: s.name }) } } }));
    expect(failure.path).toBe("events.carry");

    failure = definitionFailure(() => defineEntity("D", { store: "postgres", schema: sourceSchema, key: { primary: ["id"] }, events: { topic: "bad topic!" } }));
    expect(failure.path).toBe("events.topic");

    failure = definitionFailure(() => defineEntity("E", { store: "postgres", schema: sourceSchema, key: { primary: ["id"] }, projections: { search: { to: {} as never, map: () => ({}) as never } } }));
    expect(failure.path).toBe("projections.search.to");

    failure = definitionFailure(() => defineEntity("F", { store: "postgres", schema: sourceSchema, key: { primary: ["id"] }, projections: { Search: { to: Search, map: (s) => ({ id: s.id, name: s.name }) } } }));
    expect(failure.path).toBe("projections.Search");

    failure = definitionFailure(() => defineEntity("G", { store: "postgres", schema: sourceSchema, key: { primary: ["id"] }, projections: { search: { to: Search, map: "x" as never } } }));
    expect(failure.path).toBe("projections.search.map");
  });

  it("refuses at runtime an entity with events on an adapter without an outbox", () => {
    const Source = defineEntity("Source", { store: "postgres", schema: sourceSchema, key: { primary: ["id"] }, events: {} });
    const adapter: StoreAdapter = recordingAdapter();
    expect(adapter.outbox).toBeUndefined();
    const failure = definitionFailure(() => new PolyxenaRuntime({ stores: { postgres: adapter } }, [Source]));
    expect(failure.path).toBe("events");
    expect(failure.message).toContain("cannot record them atomically");
  });
});
