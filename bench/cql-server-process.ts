/**
 * The CQL test server in a child process for benchmarks, so that its CPU
 * counts against no contender (as a real, remote Cassandra's would not).
 * The benchmark forks its own entry file with {@link SERVE_CQL_FLAG}; that
 * copy calls {@link serveCql} instead of its main.
 */
import { fork } from "node:child_process";
import { startCqlTestServer } from "@polyxena/testkit";

/** The argument that makes a benchmark's entry file serve CQL instead of measuring. */
export const SERVE_CQL_FLAG = "--serve-cql";

/** Child-process mode: serves CQL and reports the port to the parent; exits when the parent goes. */
export async function serveCql(): Promise<void> {
  const server = await startCqlTestServer({ recordRequests: false });
  process.send!(server.port);
  process.on("disconnect", () => void server.close().then(() => process.exit(0)));
}

/** A Cassandra to measure against, and how to stop it. */
export interface BenchCassandra {
  contactPoint: string;
  localDataCenter: string;
  stop(): void;
}

/**
 * Starts the CQL test server by forking `entryFile` (the benchmark's own file,
 * with the same loader flags) with {@link SERVE_CQL_FLAG}, or uses the real
 * Cassandra that POLYXENA_TEST_CASSANDRA (host:port) names.
 */
export async function startBenchCassandra(entryFile: string): Promise<BenchCassandra> {
  const external = process.env.POLYXENA_TEST_CASSANDRA;
  if (external) return { contactPoint: external, localDataCenter: process.env.POLYXENA_TEST_CASSANDRA_DC || "datacenter1", stop: () => {} };
  const child = fork(entryFile, [SERVE_CQL_FLAG], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve(Number(m)));
    child.once("exit", (code) => reject(new Error(`CQL test server exited with ${code}`)));
  });
  return { contactPoint: `127.0.0.1:${port}`, localDataCenter: "datacenter1", stop: () => child.kill() };
}
