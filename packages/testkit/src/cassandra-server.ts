/**
 * Launcher for a real Apache Cassandra: `org.apache.cassandra:cassandra-all`
 * resolved by Maven from Maven Central (the pom in
 * `packages/testkit/engines/cassandra/pom.xml`), started as its own JVM
 * (`CassandraDaemon`) with a cassandra.yaml written at start. One node, or a
 * cluster on 127.0.0.1, 127.0.0.2, ... with the same ports on every address
 * (as ccm does).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { keepOnExit, killOnExit, removeOnExit, resolveEngineClasspath } from "./maven-engine.js";

/** The pom that pins the Cassandra version the launcher runs. */
export const CASSANDRA_ENGINE_POM = resolve(dirname(fileURLToPath(import.meta.url)), "../engines/cassandra/pom.xml");

/** Options of {@link startCassandra}. */
export interface StartCassandraOptions {
  /** Nodes of the cluster (default 1), on 127.0.0.1, 127.0.0.2, ... */
  nodes?: number;
  /** Heap of each node in MB (default 1536 for one node, 768 per node for a cluster). */
  heapMb?: number;
  /** The `java` to run (default `$JAVA_HOME/bin/java`, else `java` on the PATH; Java 17). */
  java?: string;
  /** How long a node may take to open its native port (default 240 s). */
  startTimeoutMs?: number;
}

/** One Cassandra node (one JVM process). */
export interface CassandraNode {
  /** Its loopback address (`127.0.0.<n>`). */
  readonly host: string;
  readonly nativePort: number;
  readonly storagePort: number;
  /** `host:nativePort`, for the driver's `contactPoints`. */
  readonly contactPoint: string;
  /** The node's log file (Cassandra's own log). */
  readonly logFile: string;
  /** Process id while it runs. */
  readonly pid: number | undefined;
  /** Whether its process runs. */
  readonly running: boolean;
  /** Stops it the way an operator does (SIGTERM: it announces its shutdown to its peers) and waits for exit. */
  stop(): Promise<void>;
  /** Starts it again on its data (after {@link stop}) and waits for its native port. */
  start(): Promise<void>;
}

/** A running Cassandra cluster started by {@link startCassandra}. */
export interface CassandraServer {
  readonly nodes: readonly CassandraNode[];
  /** `host:port` of every node. */
  readonly contactPoints: string[];
  /** The data center every node is in (`datacenter1`, SimpleSnitch). */
  readonly localDataCenter: string;
  /** Where the nodes keep their data, logs and configuration (removed by {@link stop}). */
  readonly directory: string;
  /** Stops every node and removes the data folder. */
  stop(): Promise<void>;
}

/** Main class of a Cassandra node. */
const DAEMON = "org.apache.cassandra.service.CassandraDaemon";

/**
 * Module access Cassandra needs on Java 17 (the exports and opens of
 * Cassandra 5.0's jvm17-server.options).
 */
const JAVA17_MODULE_FLAGS = [
  ...[
    "java.base/jdk.internal.misc",
    "java.base/jdk.internal.ref",
    "java.base/sun.nio.ch",
    "java.management.rmi/com.sun.jmx.remote.internal.rmi",
    "java.rmi/sun.rmi.registry",
    "java.rmi/sun.rmi.server",
    "java.sql/java.sql",
    "java.base/java.lang.ref",
    "jdk.unsupported/sun.misc",
  ].map((m) => `--add-exports=${m}=ALL-UNNAMED`),
  ...[
    "java.base/java.lang.module",
    "java.base/jdk.internal.loader",
    "java.base/jdk.internal.ref",
    "java.base/jdk.internal.reflect",
    "java.base/jdk.internal.math",
    "java.base/jdk.internal.module",
    "java.base/jdk.internal.util.jar",
    "jdk.management/com.sun.management.internal",
    "java.base/sun.nio.ch",
    "java.base/java.io",
    "java.base/java.nio",
    "java.base/java.util.concurrent",
    "java.base/java.util",
    "java.base/java.util.concurrent.atomic",
    "java.base/java.lang",
    "java.base/java.math",
    "java.base/java.lang.reflect",
    "java.base/java.net",
  ].map((m) => `--add-opens=${m}=ALL-UNNAMED`),
];

/**
 * The classpath of `cassandra-all` and its dependencies, resolved by Maven
 * from the engine pom (see {@link resolveEngineClasspath}).
 */
export function resolveCassandraClasspath(): string {
  return resolveEngineClasspath("Cassandra", CASSANDRA_ENGINE_POM).join(":");
}

/**
 * Starts a real Cassandra: `nodes` JVMs on 127.0.0.1 .. 127.0.0.n, each with
 * a cassandra.yaml of ours (free native and storage ports, the same on every
 * address; a temporary data folder; SimpleSnitch, `datacenter1`; one token per
 * node, evenly spaced; no bootstrap), and waits until every node accepts CQL.
 * Everything it started is stopped on {@link CassandraServer.stop} and killed
 * when the Node.js process exits.
 *
 * @example
 * const cassandra = await startCassandra();
 * const client = new cassandra.Client({ contactPoints: cassandra.contactPoints, localDataCenter: cassandra.localDataCenter });
 * await cassandra.stop();
 */
export async function startCassandra(options: StartCassandraOptions = {}): Promise<CassandraServer> {
  const count = options.nodes ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`nodes must be 1 to 9, got ${count}`);
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java");
  const heapMb = options.heapMb ?? (count === 1 ? 1536 : 768);
  const timeoutMs = options.startTimeoutMs ?? 240_000;
  const classpath = resolveCassandraClasspath();
  const jamm = classpath.split(":").find((jar) => /\/jamm-[^/]*\.jar$/.test(jar));
  const hosts = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  const nativePort = await freePortOn(hosts);
  const storagePort = await freePortOn(hosts, [nativePort]);
  const directory = mkdtempSync(join(tmpdir(), "polyxena-cassandra-"));
  removeOnExit(directory);

  const nodes = hosts.map((host, index) => {
    const home = join(directory, `node${index + 1}`);
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, "cassandra.yaml"), cassandraYaml({ home, host, seed: hosts[0]!, nativePort, storagePort, token: initialToken(index, count) }));
    writeFileSync(join(home, "logback.xml"), logbackXml(join(home, "system.log")));
    const args = [
      `-Xms${heapMb}m`,
      `-Xmx${heapMb}m`,
      "-Xss256k",
      "-XX:+UseG1GC",
      "-XX:+ParallelRefProcEnabled",
      "-XX:MaxTenuringThreshold=1",
      "-XX:+HeapDumpOnOutOfMemoryError",
      `-XX:HeapDumpPath=${home}`,
      "-XX:+CrashOnOutOfMemoryError",
      "-Djava.net.preferIPv4Stack=true",
      "-Djdk.attach.allowAttachSelf=true",
      "-Dio.netty.tryReflectionSetAccessible=true",
      ...(jamm ? [`-javaagent:${jamm}`] : []),
      ...JAVA17_MODULE_FLAGS,
      `-Dcassandra.config=file://${join(home, "cassandra.yaml")}`,
      `-Dcassandra.storagedir=${home}`,
      `-Dcassandra.logdir=${home}`,
      `-Dlogback.configurationFile=${join(home, "logback.xml")}`,
      "-Dcassandra-foreground=yes",
      // Fast start: no wait for gossip to settle, a short ring delay, joins without range-movement checks.
      "-Dcassandra.skip_wait_for_gossip_to_settle=0",
      "-Dcassandra.ring_delay_ms=1000",
      "-Dcassandra.consistent.rangemovement=false",
      "-Dcassandra.superuser_setup_delay_ms=0",
      "-cp",
      classpath,
      DAEMON,
    ];
    return createNode({ java, args, host, nativePort, storagePort, home, timeoutMs });
  });

  const server: CassandraServer = {
    nodes,
    contactPoints: nodes.map((n) => n.contactPoint),
    localDataCenter: "datacenter1",
    directory,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(directory, { recursive: true, force: true });
      keepOnExit(directory);
    },
  };
  try {
    // The seed first; the others join it together.
    await nodes[0]!.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    throw error;
  }
  return server;
}

interface NodeSpec {
  java: string;
  args: string[];
  host: string;
  nativePort: number;
  storagePort: number;
  home: string;
  timeoutMs: number;
}

function createNode(spec: NodeSpec): CassandraNode {
  const logFile = join(spec.home, "system.log");
  const outFile = join(spec.home, "stdout.log");
  let child: ChildProcess | undefined;
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const node: CassandraNode = {
    host: spec.host,
    nativePort: spec.nativePort,
    storagePort: spec.storagePort,
    contactPoint: `${spec.host}:${spec.nativePort}`,
    logFile,
    get pid() {
      return alive() ? child?.pid : undefined;
    },
    get running() {
      return alive();
    },
    async start() {
      if (alive()) return;
      const out = openSync(outFile, "a");
      let proc: ChildProcess;
      try {
        proc = spawn(spec.java, spec.args, { cwd: spec.home, stdio: ["ignore", out, out] });
      } finally {
        closeSync(out);
      }
      killOnExit(proc);
      child = proc;
      await waitForNativePort(spec, proc, outFile, logFile);
    },
    async stop() {
      const proc = child;
      if (!proc || !alive()) return;
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return node;
}

async function waitForNativePort(spec: NodeSpec, proc: ChildProcess, outFile: string, logFile: string): Promise<void> {
  const deadline = Date.now() + spec.timeoutMs;
  let spawnError: Error | undefined;
  proc.once("error", (e) => (spawnError = e));
  while (Date.now() < deadline) {
    if (spawnError) {
      throw new Error(`could not run ${spec.java} (${spawnError.message}). Install Java 17 (apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME.`);
    }
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`Cassandra on ${spec.host} exited (${proc.exitCode ?? proc.signalCode}) before it accepted CQL:\n${tail(outFile)}\n${tail(logFile)}`);
    }
    if (await accepts(spec.host, spec.nativePort)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  proc.kill("SIGKILL");
  throw new Error(`Cassandra on ${spec.host} did not accept CQL on port ${spec.nativePort} within ${spec.timeoutMs} ms:\n${tail(logFile)}`);
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A port free on every one of `hosts` (a node listens on the same ports on each address), outside `taken`. */
async function freePortOn(hosts: readonly string[], taken: readonly number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(hosts[0]!, 0);
    if (port === undefined || taken.includes(port)) continue;
    let free = true;
    for (const host of hosts.slice(1)) if ((await listenOnce(host, port)) === undefined) free = false;
    if (free) return port;
  }
  throw new Error(`no port free on every one of ${hosts.join(", ")}`);
}

function listenOnce(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
    });
  });
}

/** Evenly spaced Murmur3 tokens, one per node. */
function initialToken(index: number, count: number): string {
  const span = 2n ** 64n / BigInt(count);
  return String(-(2n ** 63n) + span * BigInt(index));
}

interface YamlSpec {
  home: string;
  host: string;
  seed: string;
  nativePort: number;
  storagePort: number;
  token: string;
}

/** Cassandra 5.0 settings; limits (batch size thresholds, timeouts) stay at Cassandra's defaults. */
function cassandraYaml(spec: YamlSpec): string {
  const dir = (name: string) => JSON.stringify(join(spec.home, name));
  return [
    "cluster_name: polyxena-test",
    "num_tokens: 1",
    `initial_token: ${spec.token}`,
    "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
    "auto_bootstrap: false",
    "endpoint_snitch: SimpleSnitch",
    `listen_address: ${spec.host}`,
    `rpc_address: ${spec.host}`,
    `storage_port: ${spec.storagePort}`,
    `native_transport_port: ${spec.nativePort}`,
    "start_native_transport: true",
    "seed_provider:",
    "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
    "    parameters:",
    `      - seeds: "${spec.seed}:${spec.storagePort}"`,
    `data_file_directories: [${dir("data")}]`,
    `commitlog_directory: ${dir("commitlog")}`,
    `saved_caches_directory: ${dir("saved_caches")}`,
    `hints_directory: ${dir("hints")}`,
    `cdc_raw_directory: ${dir("cdc_raw")}`,
    "commitlog_sync: periodic",
    "commitlog_sync_period: 10000ms",
    // Tests drop and truncate often; snapshots would only cost time and disk.
    "auto_snapshot: false",
    "snapshot_before_compaction: false",
    "",
  ].join("\n");
}

function logbackXml(file: string): string {
  return `<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${file}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE" /></root>
</configuration>
`;
}
