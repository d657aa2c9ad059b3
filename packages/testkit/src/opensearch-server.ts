/**
 * Launcher for a real search server: OpenSearch 2.19 resolved by Maven from Maven Central
 * (the pom in `packages/testkit/engines/search/pom.xml`) and started as its own JVM
 * (`org.opensearch.bootstrap.OpenSearch`) in a temporary OpenSearch home laid out from the
 * resolved jars. Elasticsearch 9 is not used because Maven Central does not serve a node
 * that starts (see the testkit README, "Real engines").
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { keepOnExit, killOnExit, removeOnExit, resolveEngineClasspath } from "./maven-engine.js";

/** The pom that pins the OpenSearch version the launcher runs. */
export const SEARCH_ENGINE_POM = resolve(dirname(fileURLToPath(import.meta.url)), "../engines/search/pom.xml");

/** Options of {@link startOpenSearch}. */
export interface StartOpenSearchOptions {
  /** Heap in MB (default 768). */
  heapMb?: number;
  /** The `java` to run (default `$JAVA_HOME/bin/java`, else `java` on the PATH; Java 17). */
  java?: string;
  /** How long the node may take to answer HTTP (default 180 s). */
  startTimeoutMs?: number;
}

/** A running OpenSearch node started by {@link startOpenSearch}. */
export interface OpenSearchServer {
  /** Base URL of its HTTP port (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The version the node reports (`GET /` → `version.number`). */
  readonly version: string;
  /** The distribution the node reports (`opensearch`). */
  readonly distribution: string;
  /** Where the node keeps its home, data and logs (removed by {@link stop}). */
  readonly directory: string;
  /** The node's own log file. */
  readonly logFile: string;
  /** Process id while it runs. */
  readonly pid: number | undefined;
  /** Stops the node (SIGTERM, then SIGKILL after 30 s) and removes its folder. */
  stop(): Promise<void>;
}

const MAIN_CLASS = "org.opensearch.bootstrap.OpenSearch";

/**
 * The modules a node loads, each from its own folder with a descriptor. A jar belongs to
 * the first module whose pattern matches its file name; every other jar is the server's.
 */
const MODULES: ReadonlyArray<{ name: string; jars: RegExp; classname: string; description: string; allPermissions: boolean }> = [
  {
    name: "transport-netty4",
    jars: /^(transport-netty4-client|netty-[a-z0-9-]+)-\d[^/]*\.jar$/,
    classname: "org.opensearch.transport.Netty4Plugin",
    description: "HTTP and transport over Netty 4",
    // Netty accepts sockets and reads its system properties under the security manager.
    allPermissions: true,
  },
  {
    name: "analysis-common",
    jars: /^analysis-common-\d[^/]*\.jar$/,
    classname: "org.opensearch.analysis.common.CommonAnalysisPlugin",
    description: "Analyzers, tokenizers and filters beyond standard and keyword",
    allPermissions: false,
  },
  {
    name: "reindex",
    jars: /^reindex-client-\d[^/]*\.jar$/,
    classname: "org.opensearch.index.reindex.ReindexPlugin",
    description: "_reindex, _update_by_query and _delete_by_query",
    // Reindex from a remote cluster opens sockets; the module's own policy grants that.
    allPermissions: true,
  },
];

/** Nobody: OpenSearch refuses to run as root, and the tests may run as root (CI does). */
const UNPRIVILEGED_ID = 65534;

/**
 * The jars of OpenSearch, its modules and their dependencies, resolved by Maven from
 * the engine pom (see {@link resolveEngineClasspath}).
 */
export function resolveOpenSearchJars(): string[] {
  return resolveEngineClasspath("Search", SEARCH_ENGINE_POM);
}

/**
 * Starts one OpenSearch node: a home laid out from the resolved jars (`lib/` for the
 * server, `modules/<name>/` with a descriptor for each module), single-node discovery on
 * 127.0.0.1, free HTTP and transport ports, a temporary data folder, and disk watermarks
 * off (a nearly full CI disk must not turn indices read-only). Runs as `nobody` through
 * `setpriv` when this process is root. Waits until the node answers `GET /` and its
 * cluster is at least yellow. Everything it started is stopped on
 * {@link OpenSearchServer.stop} and killed when the Node.js process exits.
 *
 * @example
 * const search = await startOpenSearch();
 * const res = await fetch(`${search.url}/_cluster/health`);
 * await search.stop();
 */
export async function startOpenSearch(options: StartOpenSearchOptions = {}): Promise<OpenSearchServer> {
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java");
  const heapMb = options.heapMb ?? 768;
  const timeoutMs = options.startTimeoutMs ?? 180_000;
  const jars = resolveOpenSearchJars();
  const httpPort = await freePort();
  const transportPort = await freePort([httpPort]);
  const directory = mkdtempSync(join(tmpdir(), "polyxena-opensearch-"));
  removeOnExit(directory);

  const home = join(directory, "home");
  const data = join(directory, "data");
  const logs = join(directory, "logs");
  const tmp = join(directory, "tmp");
  const lib = join(home, "lib");
  for (const dir of [join(home, "bin"), join(home, "config"), join(home, "plugins"), lib, data, logs, tmp]) mkdirSync(dir, { recursive: true });
  const version = serverVersion(jars);
  for (const module of MODULES) {
    const dir = join(home, "modules", module.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "plugin-descriptor.properties"),
      [
        `description=${module.description}`,
        `version=${version}`,
        `name=${module.name}`,
        `classname=${module.classname}`,
        "java.version=11",
        `opensearch.version=${version}`,
        "",
      ].join("\n"),
    );
    if (module.allPermissions) writeFileSync(join(dir, "plugin-security.policy"), "grant {\n  permission java.security.AllPermission;\n};\n");
  }
  // Copies, not links: the unprivileged node cannot read root's ~/.m2.
  for (const jar of jars) {
    const name = basename(jar);
    const module = MODULES.find((m) => m.jars.test(name));
    copyFileSync(jar, join(module ? join(home, "modules", module.name) : lib, name));
  }
  writeFileSync(
    join(home, "config", "opensearch.yml"),
    [
      "cluster.name: polyxena-test",
      "node.name: polyxena-search-1",
      "discovery.type: single-node",
      "network.host: 127.0.0.1",
      `http.port: ${httpPort}`,
      `transport.port: ${transportPort}`,
      `path.data: ${JSON.stringify(data)}`,
      `path.logs: ${JSON.stringify(logs)}`,
      "cluster.routing.allocation.disk.threshold_enabled: false",
      "",
    ].join("\n"),
  );
  const logFile = join(logs, "opensearch.log");
  writeFileSync(join(home, "config", "log4j2.properties"), log4jProperties(logFile));
  writeFileSync(join(home, "config", "jvm.options"), "");

  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (asRoot) {
    for (const dir of [directory, home]) chmodSync(dir, 0o755);
    spawnSync("chmod", ["-R", "a+rX", home]);
    // The node writes its keystore into config/ on first start.
    spawnSync("chown", ["-R", `${UNPRIVILEGED_ID}:${UNPRIVILEGED_ID}`, join(home, "config"), data, logs, tmp]);
  }
  const javaArgs = [
    `-Xms${heapMb}m`,
    `-Xmx${heapMb}m`,
    // Two cores: a serial collector leaves the other one to the tests.
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Xss1m",
    "-Dfile.encoding=UTF-8",
    "-Djava.security.manager=allow",
    `-Djava.io.tmpdir=${tmp}`,
    "-Djna.nosys=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.shutdownHookEnabled=false",
    `-Dopensearch.path.home=${home}`,
    `-Dopensearch.path.conf=${join(home, "config")}`,
    "-cp",
    `${lib}/*`,
    MAIN_CLASS,
  ];
  const [command, args] = asRoot
    ? ["setpriv", [`--reuid=${UNPRIVILEGED_ID}`, `--regid=${UNPRIVILEGED_ID}`, "--clear-groups", java, ...javaArgs]]
    : [java, javaArgs];
  const outFile = join(directory, "stdout.log");
  const out = openSync(outFile, "a");
  let proc: ChildProcess;
  try {
    proc = spawn(command, args as string[], { cwd: directory, stdio: ["ignore", out, out] });
  } finally {
    closeSync(out);
  }
  killOnExit(proc);

  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((done) => proc.once("exit", () => done()));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(directory, { recursive: true, force: true });
    keepOnExit(directory);
  };
  try {
    const info = await waitForHttp(url, proc, timeoutMs, java, [outFile, logFile]);
    return {
      url,
      version: info.version,
      distribution: info.distribution,
      directory,
      logFile,
      get pid() {
        return proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined;
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The server version, read from the `opensearch-<version>.jar` name. */
function serverVersion(jars: readonly string[]): string {
  for (const jar of jars) {
    const match = /^opensearch-(\d+\.\d+\.\d+)\.jar$/.exec(basename(jar));
    if (match) return match[1]!;
  }
  throw new Error(`no opensearch-<version>.jar among the jars resolved from ${SEARCH_ENGINE_POM}`);
}

async function waitForHttp(
  url: string,
  proc: ChildProcess,
  timeoutMs: number,
  java: string,
  logs: readonly string[],
): Promise<{ version: string; distribution: string }> {
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | undefined;
  proc.once("error", (e) => (spawnError = e));
  while (Date.now() < deadline) {
    if (spawnError) {
      throw new Error(`could not run ${java} (${spawnError.message}). Install Java 17 (apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME.`);
    }
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`OpenSearch exited (${proc.exitCode ?? proc.signalCode}) before it answered HTTP:\n${logs.map((f) => tail(f)).join("\n")}`);
    }
    try {
      const health = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=5s`, { signal: AbortSignal.timeout(10_000) });
      if (health.ok) {
        const info = (await (await fetch(`${url}/`)).json()) as { version: { number: string; distribution?: string } };
        return { version: info.version.number, distribution: info.version.distribution ?? "elasticsearch" };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  proc.kill("SIGKILL");
  throw new Error(`OpenSearch did not answer on ${url} within ${timeoutMs} ms:\n${logs.map((f) => tail(f)).join("\n")}`);
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

async function freePort(taken: readonly number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number | undefined>((done) => {
      const server = createServer();
      server.once("error", () => done(undefined));
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => done(typeof address === "object" && address ? address.port : undefined));
      });
    });
    if (port !== undefined && !taken.includes(port)) return port;
  }
  throw new Error("no free port on 127.0.0.1");
}

/** Everything to one file; warnings and above only, with the stack traces a failed start needs. */
function log4jProperties(file: string): string {
  return [
    "status = error",
    "appender.file.type = File",
    "appender.file.name = file",
    `appender.file.fileName = ${file}`,
    "appender.file.layout.type = PatternLayout",
    "appender.file.layout.pattern = [%d{ISO8601}][%-5p][%c{1.}] %m%n",
    "rootLogger.level = warn",
    "rootLogger.appenderRef.file.ref = file",
    "logger.node.name = org.opensearch.node.Node",
    "logger.node.level = info",
    "",
  ].join("\n");
}
