/**
 * What every real-engine launcher (Cassandra, OpenSearch, Kafka) shares: the
 * engine's jars resolved by Maven from a pom kept in the repository, and the
 * cleanup of the JVMs and folders it started when this Node.js process exits.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The jars of the engine described by `pom` (`engines/<name>/pom.xml` in the
 * testkit), resolved by `mvn dependency:build-classpath` (the jars land in
 * ~/.m2, from Maven Central only) and cached in the repository's
 * `.polyxena-tmp/` until the pom changes or a jar goes missing.
 */
export function resolveEngineClasspath(engine: string, pom: string): string[] {
  const cacheDir = join(resolve(dirname(pom), "../../../.."), ".polyxena-tmp");
  const digest = createHash("sha256").update(readFileSync(pom)).digest("hex").slice(0, 16);
  const cacheFile = join(cacheDir, `${engine.toLowerCase()}-classpath-${digest}.txt`);
  const read = () => readFileSync(cacheFile, "utf8").trim().split(":").filter((jar) => jar !== "");
  if (existsSync(cacheFile)) {
    const cached = read();
    if (cached.length > 0 && cached.every((jar) => existsSync(jar))) return cached;
  }
  mkdirSync(cacheDir, { recursive: true });
  const result = spawnSync("mvn", ["-q", "-B", "-f", pom, "dependency:build-classpath", `-Dmdep.outputFile=${cacheFile}`], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error || result.status !== 0 || !existsSync(cacheFile)) {
    const reason = result.error ? result.error.message : `${result.stdout}\n${result.stderr}`.trim();
    throw new Error(
      `Maven could not resolve ${engine} from ${pom} (${reason}). ` +
        `Install Maven 3.8+ and Java 17 (apt-get install -y maven openjdk-17-jdk-headless) with access to Maven Central, then retry.`,
    );
  }
  return read();
}

const processes = new Set<ChildProcess>();
const directories = new Set<string>();
let exitHookInstalled = false;

/** Kills `proc` if it is still running when this Node.js process exits. */
export function killOnExit(proc: ChildProcess): void {
  installExitHook();
  processes.add(proc);
  proc.once("exit", () => processes.delete(proc));
}

/** Removes `directory` when this Node.js process exits, unless {@link keepOnExit} released it first. */
export function removeOnExit(directory: string): void {
  installExitHook();
  directories.add(directory);
}

/** Forgets a folder given to {@link removeOnExit} (its launcher removed it already). */
export function keepOnExit(directory: string): void {
  directories.delete(directory);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A JVM outlives the test process that started it unless it is killed here, synchronously.
  process.once("exit", () => {
    for (const proc of processes) {
      try {
        proc.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });
}
