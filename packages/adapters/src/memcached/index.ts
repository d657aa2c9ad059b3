/**
 * The memcached L2 tier for Polyxena's cache-aside protocol: zones
 * (replica groups) of servers on memjs, Ketama consistent hashing, safe keys,
 * item limits and short deadlines. The cache policy in core (timeout, breaker
 * per zone) wraps every call; here: memjs's response deadline as the
 * innermost guard and a failure cooldown per server. On the hit path a get
 * is one request buffer registered on memjs's connection, and requests sent
 * in one tick while others are in flight share one socket write.
 */
export { createMemcachedDriver } from "./memcached-driver.js";
export type { MemcachedDriverOptions, MemcachedZoneConfig } from "./memcached-driver.js";
export { MemcachedZone } from "./memcached-zone.js";
export type { MemcachedZoneOptions } from "./memcached-zone.js";
export { MemcachedNode } from "./memcached-node.js";
export type { MemcachedNodeOptions } from "./memcached-node.js";
export { KetamaRing } from "./ketama-ring.js";
