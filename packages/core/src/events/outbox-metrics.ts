/**
 * Metrics of outboxes and sinks: events pending and the age of the oldest
 * pending one per outbox (sampled by relays), and per outbox and sink the
 * events delivered, delivery failures (retried later) and dead letters.
 */

/** Figures of one sink fed from one outbox. */
export interface SinkMetrics {
  outbox: string;
  sink: string;
  delivered: number;
  /** Deliveries that failed for now and will be retried. */
  failures: number;
  /** Events refused for good, kept as dead letters. */
  deadLetters: number;
}

/** Figures of one outbox. */
export interface OutboxGauge {
  outbox: string;
  pending: number;
  /** Age of the oldest pending event in milliseconds (0 when none). */
  oldestPendingAgeMs: number;
  /** Epoch milliseconds of the sample. */
  sampledAt: number;
}

/** A copy of everything counted. */
export interface OutboxMetricsSnapshot {
  outboxes: OutboxGauge[];
  sinks: SinkMetrics[];
}

/**
 * Collects outbox and sink metrics; pass one to every relay
 * (`createOutboxRelay({ metrics })`) and read `snapshot()` from a metrics
 * endpoint.
 */
export class OutboxMetrics {
  private readonly gauges = new Map<string, OutboxGauge>();
  private readonly sinks = new Map<string, SinkMetrics>();

  /** Records a backlog sample of an outbox. */
  sampleBacklog(outbox: string, pending: number, oldestRecordedAt: number | undefined, now = Date.now()): void {
    this.gauges.set(outbox, { outbox, pending, oldestPendingAgeMs: oldestRecordedAt === undefined ? 0 : Math.max(0, now - oldestRecordedAt), sampledAt: now });
  }

  /** Counts delivery outcomes of a sink. */
  countDeliveries(outbox: string, sink: string, delivered: number, failures: number, deadLetters: number): void {
    const id = `${outbox}\u0000${sink}`;
    let entry = this.sinks.get(id);
    if (!entry) this.sinks.set(id, (entry = { outbox, sink, delivered: 0, failures: 0, deadLetters: 0 }));
    entry.delivered += delivered;
    entry.failures += failures;
    entry.deadLetters += deadLetters;
  }

  snapshot(): OutboxMetricsSnapshot {
    return {
      outboxes: [...this.gauges.values()].map((g) => ({ ...g })).sort((a, b) => a.outbox.localeCompare(b.outbox)),
      sinks: [...this.sinks.values()].map((s) => ({ ...s })).sort((a, b) => (a.outbox === b.outbox ? a.sink.localeCompare(b.sink) : a.outbox.localeCompare(b.outbox))),
    };
  }
}
