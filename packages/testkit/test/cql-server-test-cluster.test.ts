import cassandra from "cassandra-driver";
import { afterEach, describe, expect, it } from "vitest";
import { CASSANDRA_TEST_DC_ENV, CASSANDRA_TEST_ENV, createCassandraTestCluster } from "../src/cassandra-test-cluster.js";
import { startCqlTestServer } from "../src/cql-server/index.js";

const saved = { target: process.env[CASSANDRA_TEST_ENV], dc: process.env[CASSANDRA_TEST_DC_ENV] };

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

afterEach(() => {
  restoreEnv(CASSANDRA_TEST_ENV, saved.target);
  restoreEnv(CASSANDRA_TEST_DC_ENV, saved.dc);
});

async function keyspaces(client: cassandra.Client): Promise<string[]> {
  const result = await client.execute("SELECT keyspace_name FROM system_schema.keyspaces");
  return result.rows.map((r) => r["keyspace_name"] as string);
}

describe("createCassandraTestCluster", () => {
  it("starts the in-process server when POLYXENA_TEST_CASSANDRA is absent (server-only: the variable must be unset)", async () => {
    if (saved.target) throw new Error(`this test checks the default of ${CASSANDRA_TEST_ENV}; run it without the variable`);
    const a = await createCassandraTestCluster("Some Test-File.ts");
    const b = await createCassandraTestCluster("Some Test-File.ts");
    try {
      expect(a.external).toBe(false);
      expect(a.requireServer("recorded requests")).toBe(a.server);
      expect(a.contactPoint).toBe(a.server!.contactPoint);
      expect(a.keyspace).toMatch(/^px_some_test_file_ts_[0-9a-f]{8}$/);
      expect(b.keyspace).not.toBe(a.keyspace);
      const client = new cassandra.Client({ contactPoints: [a.contactPoint], localDataCenter: a.localDataCenter });
      try {
        await client.execute(`CREATE KEYSPACE "${a.keyspace}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
        await client.execute(`CREATE TABLE "${a.keyspace}".t (k int PRIMARY KEY, v int)`);
        await client.execute(`INSERT INTO "${a.keyspace}".t (k, v) VALUES (1, 1) USING TTL 60`);
        await a.advanceClock(61_000);
        expect((await client.execute(`SELECT * FROM "${a.keyspace}".t WHERE k = 1`)).rows).toEqual([]);
      } finally {
        await client.shutdown();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("uses the Cassandra the variable names, refuses server-only features loudly, and drops its keyspaces on close", async () => {
    // A CQL server of its own stands in for the real cluster.
    const real = await startCqlTestServer({ recordRequests: false });
    const client = new cassandra.Client({ contactPoints: [real.contactPoint], localDataCenter: real.localDataCenter });
    try {
      process.env[CASSANDRA_TEST_ENV] = real.contactPoint;
      process.env[CASSANDRA_TEST_DC_ENV] = real.localDataCenter;
      const cluster = await createCassandraTestCluster("external");
      expect(cluster).toMatchObject({ external: true, server: undefined, contactPoint: real.contactPoint, localDataCenter: real.localDataCenter });
      expect(() => cluster.requireServer("recorded requests")).toThrow(/needs the in-process CQL test server \(recorded requests\).*POLYXENA_TEST_CASSANDRA=127\.0\.0\.1:\d+ is set/);
      const replication = "{'class': 'SimpleStrategy', 'replication_factor': 1}";
      for (const k of [cluster.keyspace, `${cluster.keyspace}_2`, `${cluster.keyspace}x`]) await client.execute(`CREATE KEYSPACE "${k}" WITH replication = ${replication}`);
      await cluster.close();
      const left = await keyspaces(client);
      expect(left).not.toContain(cluster.keyspace);
      expect(left).not.toContain(`${cluster.keyspace}_2`);
      // Only this file's keyspaces: a name that merely starts the same way stays.
      expect(left).toContain(`${cluster.keyspace}x`);
    } finally {
      await client.shutdown();
      await real.close();
    }
  });

  it("fails with instructions when the variable is malformed or names nothing that answers", async () => {
    process.env[CASSANDRA_TEST_ENV] = "localhost";
    await expect(createCassandraTestCluster("bad")).rejects.toThrow("POLYXENA_TEST_CASSANDRA must be host:port (e.g. 127.0.0.1:9042), got \"localhost\"");
    const closed = await startCqlTestServer();
    const port = closed.port;
    await closed.close();
    process.env[CASSANDRA_TEST_ENV] = `127.0.0.1:${port}`;
    await expect(createCassandraTestCluster("down")).rejects.toThrow(/Cassandra is not reachable at 127\.0\.0\.1:\d+ with local data center datacenter1 .*unset POLYXENA_TEST_CASSANDRA/s);
  });
});
