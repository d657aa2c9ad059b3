import { PolyxenaError, ZonedCacheDriver } from "@polyxena/core";
import { MemcachedZone } from "./memcached-zone.js";

/** One replica group of memcached servers. */
export interface MemcachedZoneConfig {
  name: string;
  /** `host:port` of each server. */
  servers: readonly string[];
}

/** Options of {@link createMemcachedDriver}. */
export interface MemcachedDriverOptions {
  /** Replica groups; writes go to all, reads to the local one first. */
  zones: readonly MemcachedZoneConfig[];
  /** Name of this process's zone (default: the first). */
  localZone?: string;
  /**
   * Deadline of cache calls in ms (default 100). It is memjs's response deadline (the innermost
   * guard, which resets a connection that stopped answering), and `createCacheAside` adopts it
   * as the timeout of its default cache policy, which owns the caller-visible deadline and the
   * breaker per zone. Pass `createCacheAside({ policy })` to set the policy separately.
   */
  timeoutMs?: number;
  /** TCP connect deadline in ms (default 2 × timeoutMs). */
  connectTimeoutMs?: number;
  /** How long a server that failed is skipped before it is tried again, in ms (default 1000). */
  failureCooldownMs?: number;
  /** memcached's item size limit (`-I`, default 1 MB); larger values are never sent. */
  itemLimitBytes?: number;
  /** Ketama points per server (default 160, as libketama). */
  pointsPerServer?: number | undefined;
}

const ADDRESS = /^[A-Za-z0-9.:[\]_-]+:\d{1,5}$/;
/** Room for the item header and key inside memcached's item limit. */
const ITEM_OVERHEAD = 1024;

/**
 * Creates the memcached L2 driver: zones of servers on memjs, Ketama inside a
 * zone, writes to every zone, reads from the local zone with fallback. Pass it
 * to `createCacheAside({ driver })`.
 *
 * @example
 * const driver = createMemcachedDriver({
 *   zones: [{ name: "a", servers: ["10.0.0.1:11211", "10.0.0.2:11211"] }, { name: "b", servers: ["10.0.1.1:11211"] }],
 *   localZone: "a",
 * });
 */
export function createMemcachedDriver(options: MemcachedDriverOptions): ZonedCacheDriver {
  const fail = (message: string, fix: string) => new PolyxenaError("E_DEFINITION", message, { path: "cache.zones", fix });
  if (!options.zones || options.zones.length === 0) throw fail("memcached driver needs at least one zone", "pass zones: [{ name, servers: ['host:port'] }]");
  const timeoutMs = options.timeoutMs ?? 100;
  if (!(timeoutMs >= 1)) throw fail(`invalid timeoutMs ${String(options.timeoutMs)}`, "pass a timeout in milliseconds");
  const names = new Set<string>();
  for (const zone of options.zones) {
    if (names.has(zone.name)) throw fail(`two zones are named ${zone.name}`, "give every zone a distinct name");
    names.add(zone.name);
    if (zone.servers.length === 0) throw fail(`zone ${zone.name} has no servers`, "list at least one host:port");
    for (const server of zone.servers) {
      if (!ADDRESS.test(server)) throw fail(`zone ${zone.name}: ${JSON.stringify(server)} is not host:port`, "write servers as host:port");
    }
  }
  const local = options.localZone ?? options.zones[0]!.name;
  if (!names.has(local)) throw fail(`localZone ${local} is not one of the zones`, `use one of: ${[...names].join(", ")}`);
  const ordered = [...options.zones].sort((a, b) => Number(b.name === local) - Number(a.name === local));
  const itemLimit = options.itemLimitBytes ?? 1024 * 1024;
  const zones = ordered.map(
    (zone) =>
      new MemcachedZone({
        name: `memcached:${zone.name}`,
        servers: zone.servers,
        maxValueBytes: itemLimit - ITEM_OVERHEAD,
        timeoutMs,
        connectTimeoutMs: options.connectTimeoutMs ?? timeoutMs * 2,
        failureCooldownMs: options.failureCooldownMs ?? 1000,
        pointsPerServer: options.pointsPerServer,
      }),
  );
  return new ZonedCacheDriver(zones, `memcached(${ordered.map((z) => z.name).join(",")})`);
}
