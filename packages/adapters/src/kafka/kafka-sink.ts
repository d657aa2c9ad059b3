/**
 * The Kafka sink: publishes change events to their topic with the entity
 * key as the message key (so one key's events land in one partition, in
 * order), and headers `entity`, `version`, `schema-hash` and `change-id`.
 * The producer is idempotent (acks from all in-sync replicas, sequence
 * numbers per partition), so its own retries neither duplicate nor reorder.
 * A relay redelivery after a crash can repeat a message; consumers drop
 * versions they have already seen (the `version` header).
 *
 * One produce request at a time. The relay delivers its outbox partitions
 * side by side, so `deliver` is called concurrently; the idempotent producer
 * takes a partition's next sequence number only when a request's answer
 * comes back, so two requests in flight to one Kafka partition would carry
 * the same sequence numbers (the broker answers OUT_OF_ORDER_SEQUENCE_NUMBER,
 * or takes the second as a duplicate of the first and drops it). Calls that
 * arrive while a request is in flight are queued and go out together in the
 * next request, which is what makes the sink fast: one round trip carries
 * the batches of every outbox partition.
 */
import { PolyxenaError, type ChangeEvent, type DeliveryOutcome, type EventSink } from "@polyxena/core";
import { Producer, stringSerializers } from "@platformatic/kafka";
import type { KafkaMessage, KafkaProducerPort } from "./kafka-producer-port.js";

/** Options of {@link createKafkaSink}. */
export interface KafkaSinkOptions {
  /** `host:port` of one or more brokers. */
  bootstrapBrokers: readonly string[];
  /** Client id in the broker's logs (default `polyxena-outbox-relay`). */
  clientId?: string | undefined;
  /** Sink name in metrics and dead letters (default `kafka`). */
  name?: string | undefined;
  /**
   * Most bytes of messages (key, value and headers) in one produce request
   * (default 900 000: a partition's record batch stays under the broker's
   * default `message.max.bytes` of 1 MiB).
   */
  maxRequestBytes?: number | undefined;
}

/** Options of {@link kafkaSinkOver}. */
export interface KafkaSinkBehaviour {
  name?: string | undefined;
  maxRequestBytes?: number | undefined;
}

const DEFAULT_MAX_REQUEST_BYTES = 900_000;
const OK: DeliveryOutcome = Object.freeze({ status: "ok" });

/** The message a change event becomes. */
export function kafkaMessageOf(event: ChangeEvent): KafkaMessage {
  return {
    topic: event.topic,
    key: event.keyString,
    value: JSON.stringify(event),
    headers: new Map([
      ["entity", event.entity],
      ["version", String(event.version)],
      ["schema-hash", event.schemaHash],
      ["change-id", event.id],
    ]),
  };
}

/** Bytes a message adds to a request (UTF-8 key, value and headers; record framing is small beside them). */
function messageBytes(message: KafkaMessage): number {
  let bytes = Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of message.headers) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** One `deliver` call waiting for its messages to be sent. */
interface Waiting {
  readonly messages: KafkaMessage[];
  /** Index in the call's events of each message. */
  readonly indexes: number[];
  readonly sizes: number[];
  readonly outcomes: DeliveryOutcome[];
  /** Messages of this call handed to a request so far. */
  taken: number;
  /** Messages whose request has answered. */
  settled: number;
  readonly resolve: (outcomes: DeliveryOutcome[]) => void;
}

/**
 * A sink over producers made by `connect`: one produce request in flight at
 * a time, concurrent calls sent together, requests split at
 * `maxRequestBytes`. When a request fails, its events and every event still
 * queued answer `retry` (so no later event of a key is sent ahead of an
 * earlier one), and the producer is replaced: its sequence numbers may no
 * longer agree with the broker's, and a new producer id starts them afresh.
 * An event larger than `maxRequestBytes` on its own is a dead letter.
 */
export function kafkaSinkOver(connect: () => KafkaProducerPort, behaviour: KafkaSinkBehaviour = {}): EventSink & { close(): Promise<void> } {
  const name = behaviour.name ?? "kafka";
  const maxRequestBytes = behaviour.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const queue: Waiting[] = [];
  let producer: KafkaProducerPort | undefined;
  let flushing: Promise<void> | undefined;

  const settle = (waiting: Waiting, from: number, to: number, outcome: DeliveryOutcome) => {
    for (let m = from; m < to; m++) waiting.outcomes[waiting.indexes[m]!] = outcome;
    waiting.settled += to - from;
    if (waiting.settled === waiting.messages.length) waiting.resolve(waiting.outcomes);
  };

  const flush = async () => {
    while (queue.length > 0) {
      // The next request: messages in queue order, up to maxRequestBytes (at least one).
      const parts: { waiting: Waiting; from: number; to: number }[] = [];
      const messages: KafkaMessage[] = [];
      let bytes = 0;
      for (const waiting of queue) {
        const from = waiting.taken;
        while (waiting.taken < waiting.messages.length && (messages.length === 0 || bytes + waiting.sizes[waiting.taken]! <= maxRequestBytes)) {
          bytes += waiting.sizes[waiting.taken]!;
          messages.push(waiting.messages[waiting.taken++]!);
        }
        if (waiting.taken > from) parts.push({ waiting, from, to: waiting.taken });
        if (waiting.taken < waiting.messages.length) break;
      }
      while (queue.length > 0 && queue[0]!.taken === queue[0]!.messages.length) queue.shift();
      try {
        producer ??= connect();
        await producer.send({ messages });
        for (const part of parts) settle(part.waiting, part.from, part.to, OK);
      } catch (error) {
        const retry: DeliveryOutcome = { status: "retry", error };
        for (const part of parts) settle(part.waiting, part.from, part.to, retry);
        for (const waiting of queue.splice(0)) {
          const from = waiting.taken;
          waiting.taken = waiting.messages.length;
          settle(waiting, from, waiting.messages.length, retry);
        }
        const failed = producer;
        producer = undefined;
        await failed?.close().catch(() => undefined);
      }
    }
  };

  return {
    name,
    deliver(events): Promise<DeliveryOutcome[]> {
      const outcomes = new Array<DeliveryOutcome>(events.length);
      const messages: KafkaMessage[] = [];
      const indexes: number[] = [];
      const sizes: number[] = [];
      events.forEach((event, i) => {
        const message = kafkaMessageOf(event);
        const size = messageBytes(message);
        if (size > maxRequestBytes) {
          outcomes[i] = {
            status: "dead-letter",
            error: new PolyxenaError("E_VALIDATION", `change event ${event.id} of ${event.entity} is ${size} bytes as a Kafka message, over the sink's maxRequestBytes of ${maxRequestBytes}`, {
              entity: event.entity,
              fix: "declare events with carry: \"key\" for items this large, or raise maxRequestBytes together with the broker's message.max.bytes",
            }),
          };
          return;
        }
        messages.push(message);
        indexes.push(i);
        sizes.push(size);
      });
      if (messages.length === 0) return Promise.resolve(outcomes);
      return new Promise((resolve) => {
        queue.push({ messages, indexes, sizes, outcomes, taken: 0, settled: 0, resolve });
        flushing ??= flush().finally(() => {
          flushing = undefined;
        });
      });
    },
    async close() {
      await flushing;
      await producer?.close();
      producer = undefined;
    },
  };
}

/**
 * Creates the Kafka sink with an idempotent `@platformatic/kafka` producer.
 *
 * @example
 * const kafka = createKafkaSink({ bootstrapBrokers: ["10.0.0.5:9092"] });
 * const relay = createOutboxRelay({ outbox: adapter.outbox!, sinks: [kafka] });
 */
export function createKafkaSink(options: KafkaSinkOptions): EventSink & { close(): Promise<void> } {
  const connect = (): KafkaProducerPort => {
    const producer = new Producer({
      clientId: options.clientId ?? "polyxena-outbox-relay",
      bootstrapBrokers: [...options.bootstrapBrokers],
      idempotent: true,
      acks: -1,
      autocreateTopics: true,
      serializers: stringSerializers,
    });
    return {
      send: (o) => producer.send({ messages: o.messages }),
      close: () => producer.close(),
    };
  };
  return kafkaSinkOver(connect, { name: options.name, maxRequestBytes: options.maxRequestBytes });
}
