/** The engine's source of time. Injected so tests can expire TTLs without sleeping. */
export interface EngineClock {
  /** Milliseconds since the Unix epoch. */
  nowMillis(): number;
}

/** The wall clock. */
export const systemClock: EngineClock = { nowMillis: () => Date.now() };

/**
 * A clock that only moves when told to.
 *
 * @example
 * const clock = new ManualClock();
 * const engine = new CassandraEngine({ clock });
 * clock.advanceSeconds(61); // cells written with USING TTL 60 are now expired
 */
export class ManualClock implements EngineClock {
  private current: number;

  constructor(startMillis: number = Date.now()) {
    this.current = startMillis;
  }

  nowMillis(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advanceMillis(ms: number): void {
    this.current += ms;
  }

  /** Moves the clock forward by `seconds` seconds. */
  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }

  /** Sets the clock to an absolute time. */
  set(millis: number): void {
    this.current = millis;
  }
}
