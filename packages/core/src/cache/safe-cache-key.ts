import { createHash } from "node:crypto";
import { MAX_CACHE_KEY_BYTES } from "./cache-driver.js";

// Printable ASCII without space: what memcached accepts in a key on every protocol.
const SAFE_KEY = /^[\x21-\x7e]+$/;

/**
 * Returns a key memcached accepts: the key itself when it is printable ASCII
 * without whitespace and at most `maxBytes` long, otherwise a hash of it
 * (`#` + base64url SHA-256, with a readable prefix of the original when it
 * fits). A bad key must never reach the socket.
 */
export function toSafeCacheKey(key: string, maxBytes: number = MAX_CACHE_KEY_BYTES): string {
  if (key.length > 0 && key.length <= maxBytes && SAFE_KEY.test(key)) return key;
  const digest = createHash("sha256").update(key, "utf8").digest("base64url");
  const head = key.slice(0, 64).replace(/[^\x21-\x7e]/g, "_");
  return `${head}#${digest}`.slice(-maxBytes);
}
