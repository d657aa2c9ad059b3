import { randomUUID } from "node:crypto";
import { Client as ElasticsearchClient } from "@elastic/elasticsearch";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineEntity, PolyxenaRuntime } from "@polyxena/core";
import { createCassandraAdapter } from "../src/cassandra/index.js";
import { createDynamoDbAdapter } from "../src/dynamodb/index.js";
import { createElasticsearchAdapter, type ElasticsearchClientPort } from "../src/elasticsearch/index.js";
import {
  createCassandraTestCluster,
  type CassandraTestCluster,
  startDynamoDbTestServer,
  type DynamoDbTestServer,
  createElasticsearchTestCluster,
  type ElasticsearchTestCluster,
} from "@polyxena/testkit";

const Note = defineEntity("Note", {
  store: "cassandra",
  schema: z.object({ noteId: z.uuid(), text: z.string() }),
  key: { partition: ["noteId"] },
});
const Setting = defineEntity("Setting", {
  store: "dynamodb",
  schema: z.object({ settingId: z.string(), value: z.string() }),
  key: { partition: "settingId" },
});
const Article = defineEntity("Article", {
  store: "elasticsearch",
  schema: z.object({ articleId: z.string(), title: z.string() }),
  key: { id: "articleId" },
  search: { text: ["title"] },
});

let cassandraCluster: CassandraTestCluster;
let dynamo: DynamoDbTestServer;
let search: ElasticsearchTestCluster;
beforeAll(async () => {
  [cassandraCluster, dynamo, search] = await Promise.all([
    createCassandraTestCluster("native-clients"),
    startDynamoDbTestServer(),
    createElasticsearchTestCluster("native-clients"),
  ]);
});
afterAll(async () => {
  await Promise.all([cassandraCluster?.close(), dynamo?.close(), search?.close()]);
});

describe("each adapter's native client, with its real type", () => {
  it("cassandra: the driver's Client runs a statement beyond the declared patterns", async () => {
    const adapter = createCassandraAdapter({ contactPoints: [cassandraCluster.contactPoint], localDataCenter: cassandraCluster.localDataCenter }, { keyspace: cassandraCluster.keyspace });
    try {
      expectTypeOf(adapter.client).toEqualTypeOf<cassandra.Client>();
      expect(adapter.client).toBeInstanceOf(cassandra.Client);
      await adapter.applySchema([Note.model]);
      const note = { noteId: randomUUID(), text: "native" };
      await new PolyxenaRuntime({ stores: { cassandra: adapter } }, [Note]).entity(Note).put(note);
      const result = await adapter.client.execute(`SELECT text FROM ${adapter.keyspace}.${Note.model.table} WHERE note_id = ?`, [note.noteId], { prepare: true });
      expect(result.rows.map((row) => row.get("text"))).toEqual(["native"]);
    } finally {
      await adapter.close();
    }
  });

  it("dynamodb: the DynamoDBDocumentClient reads the entity's table by its name", async () => {
    const adapter = createDynamoDbAdapter({
      client: { endpoint: dynamo.endpoint, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" } },
      tablePrefix: `native_${randomUUID().slice(0, 8)}_`,
    });
    try {
      expectTypeOf(adapter.client).toEqualTypeOf<DynamoDBDocumentClient>();
      await adapter.applySchema([Setting.model]);
      await new PolyxenaRuntime({ stores: { dynamodb: adapter } }, [Setting]).entity(Setting).put({ settingId: "theme", value: "dark" });
      const tableName = adapter.tableName(Setting.model);
      expect(tableName).toMatch(/^native_[0-9a-f]{8}_setting$/);
      const out = await adapter.client.send(new GetCommand({ TableName: tableName, Key: { settingId: "theme" } }));
      expect(out.Item?.value).toBe("dark");
    } finally {
      await adapter.close();
    }
  });

  it("elasticsearch: the official Client (or the client passed in, typed as passed) reaches the entity's alias", async () => {
    const adapter = createElasticsearchAdapter({ node: search.url }, { indexPrefix: search.indexPrefix });
    const own = new ElasticsearchClient({ node: search.url });
    const passed = createElasticsearchAdapter({ client: own }, { indexPrefix: search.indexPrefix });
    try {
      expectTypeOf(adapter.client).toEqualTypeOf<ElasticsearchClient>();
      expectTypeOf(passed.client).toEqualTypeOf<ElasticsearchClient>();
      expectTypeOf(createElasticsearchAdapter({ client: own as ElasticsearchClientPort }).client).toEqualTypeOf<ElasticsearchClientPort>();
      expect(adapter.client).toBeInstanceOf(ElasticsearchClient);
      expect(passed.client).toBe(own);
      await adapter.applySchema([Article.model]);
      await new PolyxenaRuntime({ stores: { elasticsearch: adapter } }, [Article]).entity(Article).put({ articleId: "a1", title: "Native clients" }, { consistency: "wait_for" });
      expect(adapter.indexName(Article.model)).toBe(`${search.indexPrefix}article`);
      const count = await adapter.client.count({ index: adapter.indexName(Article.model) });
      expect(count.count).toBe(1);
    } finally {
      await adapter.close();
      await own.close();
    }
  });
});
