/**
 * `pnpm demo --backends local` end to end: it starts the local engines of
 * the test setup (Postgres must be up; see scripts/ensure-services.mjs),
 * runs the scenarios, names each engine, and stops what it started.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const exampleDir = join(dirname(fileURLToPath(import.meta.url)), "..");

function runDemo(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The demo is to start its own engines: addresses of servers given to the test suites are not its.
    const env = { ...process.env };
    delete env.POLYXENA_TEST_CASSANDRA;
    delete env.POLYXENA_TEST_ELASTICSEARCH;
    delete env.POLYXENA_TEST_DYNAMODB_ENDPOINT;
    const child = spawn(process.execPath, ["--import", "tsx", join(exampleDir, "src", "demo.ts"), ...args], { cwd: exampleDir, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function accepts(address: string): Promise<boolean> {
  const [host, port] = address.split(":");
  return new Promise((resolve) => {
    const socket = net.connect({ host: host!, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * The engines the demo is asked for: the testkit's servers in the default test command (they
 * start in seconds); `pnpm test:real demo` sets POLYXENA_TEST_DEMO_ENGINES=real, and the demo
 * starts real Apache Cassandra and OpenSearch itself.
 */
const engines = process.env.POLYXENA_TEST_DEMO_ENGINES ?? "test-servers";

describe(`demo on the local engines (--engines ${engines})`, () => {
  it("runs the scenarios, says which engine serves each store, and stops what it started", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polyxena-demo-local-"));
    try {
      const reportPath = join(dir, "report.html");
      const { status, stdout, stderr } = await runDemo(["--backends", "local", "--engines", engines, "--profiles", "6", "--report", reportPath]);
      expect(status, stderr).toBe(0);
      expect(stdout).toMatch(/postgres\s+PostgreSQL at 127\.0\.0\.1:5432/);
      expect(stdout).toMatch(/dynamodb\s+DynamoDB engine server at http:\/\/127\.0\.0\.1:\d+ \(testkit: the in-process DynamoDB engine/);
      if (engines === "real") {
        expect(stdout).toMatch(/cassandra\s+Apache Cassandra 5\.0\.\d+ at [\d.:]+ \(real, started for this run/);
        expect(stdout).toMatch(/elasticsearch\s+OpenSearch 2\.19\.\d+ at http:\/\/[\d.:]+ \(real, started for this run/);
      } else {
        expect(stdout).toMatch(/cassandra\s+testkit CQL server .*--engines test-servers/);
        expect(stdout).toMatch(/elasticsearch\s+testkit search server .*--engines test-servers/);
      }
      expect(stdout).toContain("6 profiles on local backends");
      expect(stdout).toContain("billing   6 accounts charged twice at once: 6 charged, 6 found it already charged, 0 gave up, 6 invoices");
      expect(stdout).toMatch(/catalog\s+4 titles renamed: reader saw the new name at once 4\/4; search found it 4\/4 \(lag from the acknowledged write: p50 [\d.]+ ms, max [\d.]+ ms\), at the title's source version 4\/4, old name no longer found 4\/4/);
      expect(stdout).toMatch(/search followed by: declared projection Title\.titleSearch for 4\/4 title edits/);
      expect(stdout).toMatch(/homepage\s+dynamodb\s+\d+\s+0\s/);
      expect(stdout).toContain(`HTML report: ${reportPath}`);
      expect(existsSync(reportPath)).toBe(true);
      expect(readFileSync(reportPath, "utf8")).toContain('<canvas id="latency-chart">');
      const memcachedAddresses = /memcached ×2 at ([\d.:]+), ([\d.:]+)/.exec(stdout)!.slice(1);
      for (const address of memcachedAddresses) expect(await accepts(address), address).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
