import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCqlTestServer, type CqlTestServer } from "../../cql-server/index.js";
import { cassandraReleaseVersion } from "./cassandra-release-version.js";

let server: CqlTestServer;
beforeAll(async () => {
  server = await startCqlTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("cassandraReleaseVersion", () => {
  it("returns what the node's system.local says, read through the driver", async () => {
    expect(await cassandraReleaseVersion([server.contactPoint], server.localDataCenter)).toBe(server.engine.node.releaseVersion);
    server.engine.setNodeInfo({ releaseVersion: "5.0.42" });
    expect(await cassandraReleaseVersion([server.contactPoint], server.localDataCenter)).toBe("5.0.42");
  });

  it("fails when nothing answers at the contact point", async () => {
    await expect(cassandraReleaseVersion(["127.0.0.1:1"], "datacenter1")).rejects.toThrow();
  });
});
