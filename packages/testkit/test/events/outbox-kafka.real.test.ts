import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Consumer, MessagesStreamModes, stringDeserializers } from "@platformatic/kafka";
import { changeKeyString, createProjectionApplier, isPolyxenaError, PolyxenaRuntime, type EntityDefinition } from "@polyxena/core";
import { createKafkaSink } from "@polyxena/adapters/kafka";
import type { Client } from "@elastic/elasticsearch";
import { createElasticsearchAdapter } from "@polyxena/adapters/elasticsearch";
import { createMemoryDynamoDbAdapter } from "@polyxena/memory";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { defineEntity } from "@polyxena/core";
import { z } from "zod";
import {
  chaosSink,
  checkProjections,
  createOrderObserver,
  ELASTICSEARCH_TEST_ENV,
  createPostgresTestDatabase,
  EventTitleCard,
  EventTitleSearch,
  KAFKA_TEST_ENV,
  runRelayChaos,
  seededRandom,
  type PostgresTestDatabase,
} from "../../src/index.js";

// The history test on real engines: the Postgres outbox (local server), relays publishing to a real
// Kafka 4 broker and projecting into a real search server (OpenSearch) with external versioning
// (pnpm test:real kafka starts both), and a Kafka consumer that must never see a key's versions out of order.
const bootstrap = process.env[KAFKA_TEST_ENV];
const searchUrl = process.env[ELASTICSEARCH_TEST_ENV];

describe("change events to a real Kafka broker", () => {
  let db: PostgresTestDatabase;
  let runtime: PolyxenaRuntime;
  let Title: EntityDefinition;
  let searchClient: Client;
  let searchIndex: string;
  const topic = `polyxena.history.${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    if (!bootstrap) throw new Error(`${KAFKA_TEST_ENV} is not set: run this suite with \`pnpm test:real kafka\` (it starts a real Kafka broker and OpenSearch), or set ${KAFKA_TEST_ENV}=host:port`);
    if (!searchUrl) throw new Error(`${ELASTICSEARCH_TEST_ENV} is not set: run this suite with \`pnpm test:real kafka\` (it starts a real Kafka broker and OpenSearch behind the testkit's client proxy), or set it to a search server's URL`);
    Title = defineEntity("EventTitle", {
      store: "postgres",
      schema: z.object({ titleId: z.string(), name: z.string(), year: z.number().int(), note: z.string().optional() }),
      key: { primary: ["titleId"] },
      events: { topic },
      projections: {
        titleSearch: { to: EventTitleSearch, map: (t) => ({ titleId: t.titleId, name: t.name, year: t.year }) },
        titleCard: { to: EventTitleCard, map: (t) => ({ titleId: t.titleId, label: `${t.name} (${t.year})` }) },
      },
      table: "event_title",
    });
    db = await createPostgresTestDatabase("outbox_kafka");
    const postgres = createPostgresAdapter({ connectionString: db.connectionString, max: 12 }, { schema: db.schema });
    const elasticsearch = createElasticsearchAdapter({ node: searchUrl }, { indexPrefix: `px_history_${randomUUID().slice(0, 8)}_` });
    searchClient = elasticsearch.client;
    searchIndex = elasticsearch.indexName(EventTitleSearch.model);
    runtime = new PolyxenaRuntime({ stores: { postgres, elasticsearch, dynamodb: createMemoryDynamoDbAdapter() } }, [Title, EventTitleSearch, EventTitleCard]);
    await runtime.applySchema();
  }, 60_000);
  afterAll(async () => {
    await runtime?.close();
    await db?.drop();
  });

  it("history: projections equal the map of the last acknowledged version, and the Kafka consumer sees every key's versions in order", async () => {
    const random = seededRandom(31337);
    const titles = runtime.entity(Title);
    const outbox = runtime.adapterFor(Title.model).outbox!;
    const keys = Array.from({ length: 8 }, (_, i) => ({ titleId: `k${i}` }));
    const observer = createOrderObserver();
    const consumer = new Consumer({ groupId: `history-${randomUUID()}`, clientId: "history-check", bootstrapBrokers: [bootstrap!], deserializers: stringDeserializers });
    const sinks: { close(): Promise<void> }[] = [];
    let acknowledged = 0;
    const writer = async (w: number) => {
      for (let i = 0; i < 60; i++) {
        const key = keys[Math.floor(random() * keys.length)]!;
        const roll = random();
        try {
          if (roll < 0.5) await titles.put({ ...key, name: `w${w}-${i}`, year: 1950 + i });
          else if (roll < 0.8) await titles.update(key, { name: `u${w}-${i}` });
          else if (roll < 0.9) await titles.put({ ...key, name: `c${w}-${i}`, year: 2000 }, { ifNotExists: true });
          else await titles.delete(key);
          acknowledged++;
        } catch (error) {
          if (!isPolyxenaError(error, "E_CONDITION_FAILED")) throw error;
        }
      }
    };
    const chaos = await runRelayChaos({
      outbox,
      random,
      leaseMs: 1_000,
      stepMs: 40,
      during: Promise.all([0, 1, 2, 3].map(writer)),
      sinks: () => {
        const kafka = createKafkaSink({ bootstrapBrokers: [bootstrap!] });
        sinks.push(kafka);
        return [kafka, chaosSink(createProjectionApplier({ runtime }), { random })];
      },
    });
    expect(chaos.kills).toBeGreaterThan(0);
    expect(acknowledged).toBeGreaterThan(100);
    expect(await checkProjections(runtime, Title, keys)).toEqual([]);
    // External versioning: the search server's own document version is the source version.
    let versioned = 0;
    for (const key of keys) {
      const version = await outbox.latestVersion("EventTitle", changeKeyString(Title.model, key));
      const doc = await searchClient.get({ index: searchIndex, id: key.titleId }).catch(() => undefined);
      if (!doc?.found) continue;
      expect(doc._version).toBe(version);
      versioned++;
    }
    expect(versioned).toBeGreaterThan(0);

    // Read the topic from the start: every version of every key, never a new one after a higher one.
    const latest = new Map<string, number>();
    for (const key of keys) {
      const keyString = changeKeyString(Title.model, key);
      latest.set(keyString, (await outbox.latestVersion("EventTitle", keyString)) ?? 0);
    }
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
    const done = new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error("the consumer did not see every version within 60 s")), 60_000);
      stream.on("data", (message: { key: string; headers: Map<string, string> }) => {
        observer.observe(message.key, Number(message.headers.get("version")));
        if ([...latest].every(([k, v]) => observer.versionsOf(k).length >= v)) {
          clearTimeout(deadline);
          resolve();
        }
      });
      stream.on("error", reject);
    });
    try {
      await done;
    } finally {
      await stream.close();
      await consumer.close();
      for (const sink of sinks) await sink.close().catch(() => undefined);
    }
    expect(observer.violations()).toEqual([]);
    for (const [k, v] of latest) expect(observer.versionsOf(k)).toEqual(Array.from({ length: v }, (_, i) => i + 1));
  }, 240_000);
});
