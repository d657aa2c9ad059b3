import { describe, expect, it } from "vitest";
import { isPolyxenaError, type ChangeEvent } from "@polyxena/core";
import { kafkaSinkOver, type KafkaMessage, type KafkaProducerPort } from "@polyxena/adapters/kafka";

// The sink's request discipline, over a producer port that behaves as an idempotent
// producer does towards the broker: it refuses a second request while one is in flight
// (its sequence numbers would repeat), and fails the requests it is told to.

function event(key: string, version: number, bytes = 10): ChangeEvent {
  return {
    id: `${key}-${version}`,
    entity: "Title",
    topic: "titles",
    key: { titleId: key },
    keyString: JSON.stringify({ titleId: key }),
    version,
    kind: "put",
    item: { titleId: key, note: "x".repeat(bytes) },
    schemaHash: "h",
    occurredAt: new Date(0).toISOString(),
  };
}

interface FakeBroker {
  connect(): KafkaProducerPort;
  readonly requests: KafkaMessage[][];
  readonly producers: number;
  readonly closed: number;
  /** Fails the request with this index (0-based, counting every request). */
  failRequest?: number | undefined;
}

function fakeBroker(latencyMs = 5): FakeBroker {
  let inFlight = 0;
  const broker: FakeBroker & { producers: number; closed: number } = {
    requests: [],
    producers: 0,
    closed: 0,
    connect() {
      broker.producers++;
      return {
        async send({ messages }) {
          if (inFlight > 0) throw new Error("two produce requests in flight on one idempotent producer");
          inFlight++;
          const index = broker.requests.length;
          broker.requests.push(messages);
          try {
            await new Promise((resolve) => setTimeout(resolve, latencyMs));
            if (broker.failRequest === index) throw new Error("NOT_ENOUGH_REPLICAS");
            return {};
          } finally {
            inFlight--;
          }
        },
        async close() {
          broker.closed++;
        },
      };
    },
  };
  return broker;
}

describe("Kafka sink", () => {
  it("sends concurrent deliveries one request at a time, together, keeping each call's order", async () => {
    const broker = fakeBroker();
    const sink = kafkaSinkOver(() => broker.connect());
    const calls = Array.from({ length: 8 }, (_, p) => [event(`a${p}`, 1), event(`b${p}`, 1), event(`a${p}`, 2)]);
    const outcomes = await Promise.all(calls.map((events) => sink.deliver(events)));
    expect(outcomes.flat().every((o) => o.status === "ok")).toBe(true);
    // The first call goes out alone; the seven that arrived while it was in flight share the next request.
    expect(broker.requests.map((r) => r.length)).toEqual([3, 21]);
    const sent = broker.requests.flat();
    for (let p = 0; p < 8; p++) {
      const versions = sent.filter((m) => m.key === JSON.stringify({ titleId: `a${p}` })).map((m) => m.headers.get("version"));
      expect(versions).toEqual(["1", "2"]);
    }
    expect(sent[0]!.headers).toEqual(new Map([["entity", "Title"], ["version", "1"], ["schema-hash", "h"], ["change-id", "a0-1"]]));
    await sink.close();
  });

  it("splits a large delivery into requests under maxRequestBytes", async () => {
    const broker = fakeBroker(1);
    const sink = kafkaSinkOver(() => broker.connect(), { maxRequestBytes: 2_000 });
    const events = Array.from({ length: 20 }, (_, i) => event(`k${i % 3}`, Math.floor(i / 3) + 1, 300));
    const outcomes = await sink.deliver(events);
    expect(outcomes.every((o) => o.status === "ok")).toBe(true);
    expect(broker.requests.length).toBeGreaterThan(3);
    for (const request of broker.requests) {
      const bytes = request.reduce((sum, m) => sum + m.key.length + m.value.length + [...m.headers].reduce((s, [k, v]) => s + k.length + v.length, 0), 0);
      expect(bytes).toBeLessThanOrEqual(2_000);
    }
    expect(broker.requests.flat().map((m) => m.headers.get("change-id"))).toEqual(events.map((e) => e.id));
  });

  it("after a failed request answers retry for it and for everything still queued, and starts a new producer", async () => {
    const broker = fakeBroker(1);
    broker.failRequest = 1;
    const sink = kafkaSinkOver(() => broker.connect(), { maxRequestBytes: 1_000 });
    // One call spanning three requests: the second fails, so the third must not be sent ahead of it.
    const events = Array.from({ length: 9 }, (_, i) => event("k", i + 1, 200));
    const outcomes = await sink.deliver(events);
    const statuses = outcomes.map((o) => o.status);
    const firstRetry = statuses.indexOf("retry");
    expect(firstRetry).toBeGreaterThan(0);
    expect(statuses.slice(0, firstRetry).every((s) => s === "ok")).toBe(true);
    expect(statuses.slice(firstRetry).every((s) => s === "retry")).toBe(true);
    expect(broker.requests).toHaveLength(2);
    expect(broker.closed).toBe(1);
    // The next delivery goes through a new producer (new producer id, sequence numbers from zero).
    const again = await sink.deliver(events.slice(firstRetry));
    expect(again.every((o) => o.status === "ok")).toBe(true);
    expect(broker.producers).toBe(2);
  });

  it("dead-letters an event too large for one request and delivers the rest", async () => {
    const broker = fakeBroker(1);
    const sink = kafkaSinkOver(() => broker.connect(), { maxRequestBytes: 1_000 });
    const outcomes = await sink.deliver([event("k", 1), event("k", 2, 5_000), event("k", 3)]);
    expect(outcomes.map((o) => o.status)).toEqual(["ok", "dead-letter", "ok"]);
    const error = outcomes[1]!.status === "dead-letter" ? outcomes[1]!.error : undefined;
    expect(isPolyxenaError(error, "E_VALIDATION")).toBe(true);
    expect((error as Error).message).toContain("maxRequestBytes");
    expect(broker.requests.flat().map((m) => m.headers.get("version"))).toEqual(["1", "3"]);
  });
});
