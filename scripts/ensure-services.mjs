#!/usr/bin/env node
// Makes sure the local engines the test suite talks to are present before
// vitest starts: PostgreSQL on 127.0.0.1:5432 and MariaDB on 127.0.0.1:3306
// (each started when it is down) and
// the memcached binary (installed from Debian's packages when missing; the
// tests start their own memcached processes). DynamoDB (dynalite), the CQL
// and the Elasticsearch test servers run in-process and need nothing here.
// Each engine can be replaced by a real server through its environment
// variable; see README.md.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import net from "node:net";
import { stopInstalledMemcached } from "./stop-installed-memcached.mjs";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const problems = [];

function canConnect(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function ensurePostgres() {
  if (process.env.POLYXENA_TEST_POSTGRES_URL) return;
  if (await canConnect("127.0.0.1", 5432)) return;
  const versions = existsSync("/etc/postgresql") ? readdirSync("/etc/postgresql") : [];
  if (versions.length > 0) {
    console.log(`[ensure-services] PostgreSQL is down; starting cluster ${versions[0]}/main`);
    spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", versions[0], "main", "start"], { stdio: "inherit" });
    for (let i = 0; i < 30 && !(await canConnect("127.0.0.1", 5432)); i++) await new Promise((r) => setTimeout(r, 500));
  }
  if (!(await canConnect("127.0.0.1", 5432))) {
    problems.push(
      "PostgreSQL is not reachable at 127.0.0.1:5432. Start it with\n" +
        "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n" +
        "or point POLYXENA_TEST_POSTGRES_URL at a server.",
    );
  }
}

const START_MARIADB = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd";

// The MySQL adapter's suites run against the local MariaDB server (root, empty password, database `test`).
async function ensureMariadb() {
  if (process.env.POLYXENA_TEST_MYSQL_URL) return;
  if (await canConnect("127.0.0.1", 3306)) return;
  if (isRoot && existsSync("/usr/sbin/mariadbd")) {
    console.log("[ensure-services] MariaDB is down; starting it");
    spawnSync("sh", ["-c", START_MARIADB], { stdio: "inherit" });
    for (let i = 0; i < 60 && !(await canConnect("127.0.0.1", 3306)); i++) await new Promise((r) => setTimeout(r, 500));
  }
  if (!(await canConnect("127.0.0.1", 3306))) {
    problems.push(`MariaDB is not reachable at 127.0.0.1:3306. Start it with\n  ${START_MARIADB}\nor point POLYXENA_TEST_MYSQL_URL at a MySQL 8 or MariaDB 10.6+ server.`);
  }
}

function hasMemcached() {
  return existsSync("/usr/bin/memcached") || spawnSync("sh", ["-c", "command -v memcached"]).status === 0;
}

function ensureMemcached() {
  if (hasMemcached()) return;
  if (isRoot && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0) {
    console.log("[ensure-services] installing memcached from Debian's packages");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "memcached"], { stdio: "inherit", env }).status === 0;
    if (!install()) {
      spawnSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
      install();
    }
    // The package starts a system daemon on 11211 (the tests start their own on free ports):
    // stop that daemon by its pid file, never every memcached on the host.
    stopInstalledMemcached();
  }
  if (!hasMemcached()) {
    problems.push("memcached is not installed. Install it with (as root)\n  apt-get install -y memcached");
  }
}

const chromiumPath = process.env.POLYXENA_CHROMIUM ?? "/usr/bin/chromium";

// The streaming demo's HTML report test opens the page in Debian's chromium.
function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  if (isRoot && !process.env.POLYXENA_CHROMIUM && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0) {
    console.log("[ensure-services] installing chromium from Debian's packages");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], { stdio: "inherit", env }).status === 0;
    if (!install()) {
      spawnSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
      install();
    }
  }
  if (!existsSync(chromiumPath)) {
    problems.push(`Chromium is not installed at ${chromiumPath}. Install it with (as root)\n  apt-get install -y chromium\nor point POLYXENA_CHROMIUM at a Chromium binary.`);
  }
}

await ensurePostgres();
await ensureMariadb();
ensureMemcached();
ensureChromium();
if (problems.length > 0) {
  console.error(`\n[ensure-services] the test suite cannot run:\n\n${problems.join("\n\n")}\n`);
  process.exit(1);
}
console.log("[ensure-services] PostgreSQL, MariaDB, memcached and chromium are available");
