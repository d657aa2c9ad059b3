/**
 * The Kafka sink: publishes change events to their topic with the entity
 * key as the message key (so one key's events land in one partition, in
 * order), and headers `entity`, `version`, `schema-hash` and `change-id`.
 * The producer is idempotent (acks from all in-sync replicas, sequence
 * numbers per partition), so its own retries neither duplicate nor reorder.
 * A relay redelivery after a crash can repeat a message; consumers drop
 * versions they have already seen (the `version` header).
 */
import type { ChangeEvent, DeliveryOutcome, EventSink } from "@polyxena/core";
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
}

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

/**
 * A sink over any {@link KafkaProducerPort}: one `send` per batch; when the
 * broker refuses the batch every event is retried (nothing of the batch is
 * marked done), which keeps each key's order.
 */
export function kafkaSinkOver(producer: KafkaProducerPort, name = "kafka"): EventSink & { close(): Promise<void> } {
  return {
    name,
    async deliver(events): Promise<DeliveryOutcome[]> {
      if (events.length === 0) return [];
      try {
        await producer.send({ messages: events.map(kafkaMessageOf) });
        return events.map(() => ({ status: "ok" }) as const);
      } catch (error) {
        return events.map(() => ({ status: "retry", error }) as const);
      }
    },
    close: () => producer.close(),
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
  const producer = new Producer({
    clientId: options.clientId ?? "polyxena-outbox-relay",
    bootstrapBrokers: [...options.bootstrapBrokers],
    idempotent: true,
    acks: -1,
    autocreateTopics: true,
    serializers: stringSerializers,
  });
  const port: KafkaProducerPort = {
    send: (o) => producer.send({ messages: o.messages }),
    close: () => producer.close(),
  };
  return kafkaSinkOver(port, options.name ?? "kafka");
}
