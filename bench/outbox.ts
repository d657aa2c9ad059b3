/**
 * Change events: three numbers in one run.
 *
 * 1. Relay throughput from the Postgres outbox to a real Kafka 4 broker:
 *    events recorded by puts, then drained by one relay with the Kafka sink
 *    (idempotent producer, acks=all); events per second to an empty outbox.
 * 2. Lag from an acknowledged write to the projection written in the search
 *    store, with writes paced at 500/s and a relay running the projection
 *    applier into the Elasticsearch adapter over the in-process search
 *    engine; p50 and p99 over every write.
 * 3. What the outbox adds to a write: puts of an entity with events against
 *    the same puts of the same entity without events, 16 in flight,
 *    interleaved rounds; `outboxCostRatio` = time with ÷ time without.
 *
 *   POLYXENA_TEST_KAFKA=host:port pnpm bench outbox   # or let it start a broker (about 40 s)
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { changeKeyString, createOutboxRelay, createProjectionApplier, defineEntity, OutboxMetrics, PolyxenaRuntime, type OperationEvent } from "@polyxena/core";
import { createPostgresAdapter } from "@polyxena/adapters/postgres";
import { createMemoryElasticsearchAdapter } from "@polyxena/memory";
import { createKafkaSink } from "@polyxena/adapters/kafka";
import { createPostgresTestDatabase, startKafka } from "@polyxena/testkit";
import { compare, median, printResult, versusBaseline } from "./harness.js";

const schema = z.object({ titleId: z.string(), name: z.string(), year: z.number().int(), genre: z.string() });

const TitleDoc = defineEntity("TitleDoc", {
  store: "elasticsearch",
  schema: z.object({ titleId: z.string(), name: z.string(), year: z.number().int(), sourceVersion: z.number().int() }),
  key: { id: "titleId" },
  search: { text: ["name"] },
  version: "sourceVersion",
});
const Title = defineEntity("Title", {
  store: "postgres",
  schema,
  key: { primary: ["titleId"] },
  events: { topic: `polyxena.bench.titles.${randomUUID().slice(0, 8)}` },
  projections: { titleDoc: { to: TitleDoc, map: (t) => ({ titleId: t.titleId, name: t.name, year: t.year }) } },
});
const PlainTitle = defineEntity("PlainTitle", { store: "postgres", schema, key: { primary: ["titleId"] } });

const RELAY_EVENTS = 30_000;

async function main(): Promise<void> {
  const kafka = process.env.POLYXENA_TEST_KAFKA ? undefined : await startKafka();
  const bootstrap = process.env.POLYXENA_TEST_KAFKA ?? kafka!.bootstrap;
  const db = await createPostgresTestDatabase("bench-outbox");
  const postgres = createPostgresAdapter({ connectionString: db.connectionString, max: 16 }, { schema: db.schema });
  const operations: OperationEvent[] = [];
  let listening = false;
  const runtime = new PolyxenaRuntime(
    { stores: { postgres, elasticsearch: createMemoryElasticsearchAdapter() }, onOperation: (e) => { if (listening) operations.push(e); } },
    [Title, TitleDoc, PlainTitle],
  );
  const outbox = postgres.outbox;
  try {
    await runtime.applySchema();
    const titles = runtime.entity(Title);
    const plain = runtime.entity(PlainTitle);

    // 3. outbox cost
    const cost = await compare(
      [
        { name: "events", run: (i) => titles.put({ titleId: `c${i % 5000}`, name: `n${i}`, year: 2000, genre: "drama" }) },
        { name: "plain", run: (i) => plain.put({ titleId: `c${i % 5000}`, name: `n${i}`, year: 2000, genre: "drama" }) },
      ],
      { concurrency: 16, opsPerRound: 3000, rounds: 5, warmupOps: 1000 },
    );
    const costVs = versusBaseline(cost, "events", "plain");
    await drain(outbox, []);

    // 1. relay throughput to Kafka
    let written = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (written < RELAY_EVENTS) {
        const i = written++;
        await titles.put({ titleId: `r${i % 2000}`, name: `n${i}`, year: 2001, genre: "scifi" });
      }
    }));
    const sink = createKafkaSink({ bootstrapBrokers: [bootstrap] });
    // warm the producer (connection, topic creation, metadata, producer id) outside the measurement:
    // one message to the bench topic, of a key the measured events do not use
    const warmUp = await sink.deliver([
      {
        id: randomUUID(),
        entity: Title.name,
        topic: Title.model.events!.topic,
        key: { titleId: "warm-up" },
        keyString: changeKeyString(Title.model, { titleId: "warm-up" }),
        version: 1,
        kind: "put",
        item: { titleId: "warm-up", name: "warm-up", year: 2001, genre: "scifi" },
        schemaHash: Title.model.schemaHash,
        occurredAt: new Date().toISOString(),
      },
    ]);
    if (warmUp[0]?.status !== "ok") throw new Error(`the Kafka broker at ${bootstrap} did not take the warm-up message`);
    const pending = (await outbox.backlog()).pending;
    const started = performance.now();
    const relay = createOutboxRelay({ outbox, sinks: [sink], batchSize: 2000, leaseMs: 30_000 });
    while ((await relay.runOnce()) > 0 || (await outbox.backlog()).pending > 0) {
      // keep draining
    }
    const relaySeconds = (performance.now() - started) / 1000;
    await relay.stop();
    await sink.close();
    const relayEventsPerSec = Math.round(pending / relaySeconds);

    // 2. lag at 500 writes/s into the projection
    const metrics = new OutboxMetrics();
    const applierRelay = createOutboxRelay({ outbox, sinks: [createProjectionApplier({ runtime })], metrics, idleMs: 2, batchSize: 200 });
    const acked = new Map<string, number>();
    const applied = new Map<string, number>();
    listening = true;
    const collector = (e: OperationEvent) => {
      if (e.entity === "TitleDoc" && e.operation === "put" && e.outcome === "ok" && e.changeId && !applied.has(e.changeId)) applied.set(e.changeId, performance.now());
    };
    applierRelay.start();
    const rate = 500;
    const seconds = 10;
    const begin = performance.now();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < rate * seconds; i++) {
      const due = begin + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inflight.push(
        titles.put({ titleId: `l${i}`, name: `lag ${i}`, year: 2002, genre: "crime" }).then(() => {
          const write = operations.findLast((e) => e.entity === "Title" && e.operation === "put" && e.key?.["titleId"] === `l${i}`);
          if (write?.changeId) acked.set(write.changeId, performance.now());
        }),
      );
      for (const e of operations.splice(0)) collector(e);
    }
    await Promise.all(inflight);
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline && [...acked.keys()].some((id) => !applied.has(id))) {
      for (const e of operations.splice(0)) collector(e);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await applierRelay.stop();
    const lags = [...acked].filter(([id]) => applied.has(id)).map(([id, at]) => Math.max(0, applied.get(id)! - at)).sort((a, b) => a - b);
    const pct = (p: number) => Number((lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] ?? NaN).toFixed(1));

    printResult({
      bench: "outbox",
      relayEventsPerSec,
      relayEvents: pending,
      kafka: kafka?.version ?? "external",
      lagMs: { p50: pct(50), p99: pct(99), writesPerSec: rate, writes: acked.size, applied: lags.length },
      outboxCostRatio: Number((1 / costVs.ratio).toFixed(2)),
      opsPerSec: costVs.opsPerSec,
      medianLagMs: Number(median(lags).toFixed(1)),
    });
  } finally {
    await runtime.close();
    await db.drop();
    await kafka?.stop();
  }
}

async function drain(outbox: import("@polyxena/core").OutboxPort, sinks: []): Promise<void> {
  const relay = createOutboxRelay({ outbox, sinks, batchSize: 5000 });
  while ((await relay.runOnce()) > 0 || (await outbox.backlog()).pending > 0) {
    // delivers nothing: only empties the outbox
  }
  await relay.stop();
}

await main();
