/**
 * The driver calls the Kafka sink needs: a structural interface over
 * `@platformatic/kafka`'s Producer, so the sink is tested without a broker
 * and the driver stays behind one import.
 */

/** One message as the sink sends it: string key and value, string headers. */
export interface KafkaMessage {
  topic: string;
  key: string;
  value: string;
  headers: Map<string, string>;
}

/** What the sink calls on a producer. */
export interface KafkaProducerPort {
  /** Sends the messages in order (per partition), idempotently; rejects when the broker did not take them. */
  send(options: { messages: KafkaMessage[] }): Promise<unknown>;
  close(): Promise<void>;
}
