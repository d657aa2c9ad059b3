/**
 * The memcached L2 tier for Polyxena's cache-aside protocol: zones
 * (replica groups) of servers on memjs, Ketama consistent hashing, safe keys,
 * item limits and short deadlines.
 */
export { createMemcachedDriver } from "./memcached-driver.js";
export type { MemcachedDriverOptions, MemcachedZoneConfig } from "./memcached-driver.js";
export { MemcachedZone } from "./memcached-zone.js";
export type { MemcachedZoneOptions } from "./memcached-zone.js";
export { MemcachedNode } from "./memcached-node.js";
export type { MemcachedNodeOptions } from "./memcached-node.js";
export { KetamaRing } from "./ketama-ring.js";
