/**
 * createElasticsearchTestCluster: the in-process server by default; with
 * POLYXENA_TEST_ELASTICSEARCH set, the named cluster (here another test server standing in
 * for a real one), cleaned up by index prefix.
 */
import { Client } from "@elastic/elasticsearch";
import { afterEach, describe, expect, it } from "vitest";
import { ELASTICSEARCH_TEST_ENV, createElasticsearchTestCluster } from "../src/elasticsearch-test-cluster.js";
import { startElasticsearchTestServer } from "../src/elasticsearch-server/index.js";

const saved = process.env[ELASTICSEARCH_TEST_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[ELASTICSEARCH_TEST_ENV];
  else process.env[ELASTICSEARCH_TEST_ENV] = saved;
});

describe("createElasticsearchTestCluster", () => {
  it("starts the in-process server without the variable, with a unique lowercase prefix per call", async () => {
    delete process.env[ELASTICSEARCH_TEST_ENV];
    const a = await createElasticsearchTestCluster("My Suite!");
    const b = await createElasticsearchTestCluster("My Suite!");
    try {
      expect(a.external).toBe(false);
      expect(a.indexPrefix).toMatch(/^px_my_suite_[0-9a-f]{8}_$/);
      expect(b.indexPrefix).not.toBe(a.indexPrefix);
      expect(a.requireServer("the engine")).toBe(a.server);
      const client = new Client({ node: a.url, maxRetries: 0 });
      expect((await client.info()).version.number).toMatch(/^9\./);
      await client.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("uses the cluster the variable names, fails tests that need the in-process server, and deletes only its own indices", async () => {
    const remote = await startElasticsearchTestServer();
    const client = new Client({ node: remote.url, maxRetries: 0 });
    try {
      process.env[ELASTICSEARCH_TEST_ENV] = remote.url;
      const cluster = await createElasticsearchTestCluster("shared");
      expect(cluster.external).toBe(true);
      expect(cluster.server).toBeUndefined();
      expect(cluster.url).toBe(remote.url);
      expect(() => cluster.requireServer("a clock the test moves")).toThrow(/in-process Elasticsearch test server \(a clock the test moves\).*POLYXENA_TEST_ELASTICSEARCH/);
      await client.indices.create({ index: `${cluster.indexPrefix}one` });
      await client.indices.create({ index: `${cluster.indexPrefix}two`, aliases: { [`${cluster.indexPrefix}alias`]: {} } });
      await client.indices.create({ index: "someone_elses" });
      await cluster.close();
      expect(Object.keys(await client.indices.get({ index: "*" })).sort()).toEqual(["someone_elses"]);
      await cluster.close();
    } finally {
      await client.close();
      await remote.close();
    }
  });

  it("fails with a message naming the variable when the cluster does not answer or the value is not a URL", async () => {
    const probe = await startElasticsearchTestServer();
    const url = probe.url;
    await probe.close();
    process.env[ELASTICSEARCH_TEST_ENV] = url;
    await expect(createElasticsearchTestCluster("down")).rejects.toThrow(/not reachable at .*unset POLYXENA_TEST_ELASTICSEARCH/);
    process.env[ELASTICSEARCH_TEST_ENV] = "localhost:9200";
    await expect(createElasticsearchTestCluster("bad")).rejects.toThrow(/must be an http\(s\) URL|must be a URL/);
  });
});
