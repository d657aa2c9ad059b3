#!/usr/bin/env node
// Stops the memcached daemon that Debian's package started when
// ensure-services.mjs installed it, and nothing else: the daemon named by the
// package's pid file, and only when that pid is still a memcached process.
// Other memcached processes on the host (another project's, a developer's,
// the ones the tests start on free ports) are never touched.
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Where Debian's init script and systemd unit keep the daemon's pid. */
export const DEBIAN_PID_FILES = ["/run/memcached/memcached.pid", "/var/run/memcached/memcached.pid"];

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * Sends SIGTERM to the memcached whose pid `pidFiles` names (the first that
 * exists). Returns the pid stopped, or undefined when there was none.
 */
export function stopInstalledMemcached(pidFiles = DEBIAN_PID_FILES) {
  const pidFile = pidFiles.find((file) => existsSync(file));
  if (pidFile === undefined) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1 || commandOf(pid) !== "memcached") return undefined;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return undefined;
  }
  return pid;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const stopped = stopInstalledMemcached(process.argv.length > 2 ? process.argv.slice(2) : DEBIAN_PID_FILES);
  console.log(stopped === undefined ? "no installed memcached daemon to stop" : `stopped memcached ${stopped}`);
}
