/**
 * The Kafka sink of the outbox relay (`@polyxena/adapters/kafka`), on
 * `@platformatic/kafka` (an optional peer dependency).
 */
export { createKafkaSink, kafkaMessageOf, kafkaSinkOver } from "./kafka-sink.js";
export type { KafkaSinkBehaviour, KafkaSinkOptions } from "./kafka-sink.js";
export type { KafkaMessage, KafkaProducerPort } from "./kafka-producer-port.js";
