import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isPolyxenaError } from "@polyxena/core";
import { defineConfig, isEntityDefinition, loadProject } from "../src/index.js";
import { importSpecifier } from "../src/load-project.js";
import { Profile } from "./fixtures/entities/profile.js";
import { FIXTURES_DIR } from "./helpers/temp-project.js";

describe("loadProject", () => {
  it("reads the config and collects every exported definition, modules and exports in sorted order", async () => {
    const project = await loadProject(join(FIXTURES_DIR, "polyxena.config.ts"));
    expect(project.outDir).toBe(join(FIXTURES_DIR, "..", "generated-fixtures", ".polyxena-tmp", "fixture-config"));
    expect(project.config.cassandra?.keyspace).toBe("streaming");
    expect(project.sources.map((s) => `${s.origin}#${s.exportName}`)).toEqual([
      "./entities/billing.ts#Invoice",
      "./entities/billing.ts#LedgerEntry",
      "./entities/profile.ts#Profile",
      "./entities/title-document.ts#TitleDocument",
      "./entities/title-document.ts#TitleDocumentAlias",
      "./entities/viewing-history.ts#ViewingHistory",
    ]);
    expect(project.sources[0]!.importPath).toBe("../../../fixtures/entities/billing.js");
    const profile = project.sources.find((s) => s.exportName === "Profile")!;
    expect(profile.definition.model).toEqual(Profile.model);
  });

  it("propagates a definition error thrown while importing an entity module", async () => {
    await expect(import("./fixtures/broken/broken-entity.js")).rejects.toMatchObject({ code: "E_DEFINITION", entity: "Broken", path: "queries.byAandB.by" });
  });
});

describe("helpers", () => {
  it("recognizes entity definitions by shape", () => {
    expect(isEntityDefinition(Profile)).toBe(true);
    expect(isEntityDefinition({ name: "X", schema: {}, model: {} })).toBe(false);
    expect(isEntityDefinition(null)).toBe(false);
  });

  it("writes import specifiers relative to the output folder with .js extensions", () => {
    expect(importSpecifier("/p/src/generated", "/p/src/entities/profile.ts")).toBe("../entities/profile.js");
    expect(importSpecifier("/p/src", "/p/src/profile.mts")).toBe("./profile.mjs");
  });

  it("defineConfig refuses unknown keys at every level with E_DEFINITION and a suggestion", () => {
    const failure = (config: unknown) => {
      try {
        defineConfig(config as never);
      } catch (error) {
        if (isPolyxenaError(error, "E_DEFINITION")) return error;
        throw error;
      }
      throw new Error("expected E_DEFINITION");
    };
    expect(failure({ entities: ["./e.ts"], out: "./g", outt: "./h" })).toMatchObject({ path: "outt", fix: expect.stringContaining('did you mean "out"?') });
    expect(failure({ entities: ["./e.ts"], out: "./g", cassandra: { keyspace: "k", replicaton: {} } })).toMatchObject({ path: "cassandra.replicaton", fix: expect.stringContaining('did you mean "replication"?') });
    expect(failure({ entities: ["./e.ts"], out: "./g", elasticsearch: { shard: 1 } })).toMatchObject({ path: "elasticsearch.shard", fix: expect.stringContaining('did you mean "shards"?') });
    expect(defineConfig({ entities: ["./e.ts"], out: "./g", cassandra: { keyspace: "k", replication: { class: "SimpleStrategy", replication_factor: 3 } } }).out).toBe("./g");
  });
});
