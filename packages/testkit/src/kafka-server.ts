/**
 * Launcher of a real Apache Kafka 4 broker for the real-engine tests and the
 * benchmarks: KRaft mode, one node that is broker and controller, resolved
 * from Maven Central by `engines/kafka/pom.xml`, run as its own JVM
 * (`kafka.Kafka` with a generated server.properties) on free ports with a
 * temporary log directory formatted by `kafka.tools.StorageTool`. It stops
 * what it started.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { keepOnExit, killOnExit, removeOnExit, resolveEngineClasspath } from "./maven-engine.js";

/** The pom that resolves the broker. */
export const KAFKA_ENGINE_POM = join(dirname(fileURLToPath(import.meta.url)), "..", "engines", "kafka", "pom.xml");

/** Environment variable naming an external broker (`host:port`) instead of launching one. */
export const KAFKA_TEST_ENV = "POLYXENA_TEST_KAFKA";

/** A running broker. */
export interface KafkaServer {
  /** `127.0.0.1:port` of the PLAINTEXT listener. */
  readonly bootstrap: string;
  /** Broker version from the jar name, e.g. `4.1.1`. */
  readonly version: string;
  /** Stops the broker and removes its log directory. */
  stop(): Promise<void>;
}

/** Options of {@link startKafka}. */
export interface StartKafkaOptions {
  java?: string;
  heapMb?: number;
  startTimeoutMs?: number;
}

/** The broker's jars, resolved by Maven from the engine pom (see {@link resolveEngineClasspath}). */
export function resolveKafkaClasspath(): string[] {
  return resolveEngineClasspath("Kafka", KAFKA_ENGINE_POM);
}

/**
 * Starts one KRaft broker+controller on 127.0.0.1 and waits until its
 * listener accepts connections. Killed when this Node.js process exits.
 *
 * @example
 * const kafka = await startKafka();
 * // ... produce to kafka.bootstrap ...
 * await kafka.stop();
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaServer> {
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java");
  const classpath = resolveKafkaClasspath();
  const version = /kafka_2\.13-([0-9.]+)\.jar$/.exec(classpath.find((jar) => /kafka_2\.13-[0-9.]+\.jar$/.test(jar)) ?? "")?.[1] ?? "unknown";
  const port = await freePort();
  const controllerPort = await freePort([port]);
  const home = mkdtempSync(join(tmpdir(), "polyxena-kafka-"));
  const logs = join(home, "data");
  const properties = join(home, "server.properties");
  writeFileSync(
    properties,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      "controller.listener.names=CONTROLLER",
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "inter.broker.listener.name=PLAINTEXT",
      `log.dirs=${logs}`,
      "num.partitions=4",
      "offsets.topic.replication.factor=1",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=true",
      "",
    ].join("\n"),
  );
  const jvm = ["-cp", classpath.join(":"), `-Xmx${options.heapMb ?? 512}m`, `-Xms${options.heapMb ?? 512}m`, "-XX:+UseG1GC", "-Djava.awt.headless=true", `-Dkafka.logs.dir=${join(home, "logs")}`];
  const format = spawnSync(java, [...jvm, "kafka.tools.StorageTool", "format", "-t", randomUUID().replace(/-/g, "").slice(0, 22), "-c", properties, "--standalone"], { encoding: "utf8" });
  if (format.status !== 0) {
    // Older 4.x StorageTool has no --standalone; the voters are in the properties.
    const retry = spawnSync(java, [...jvm, "kafka.tools.StorageTool", "format", "-t", "polyxenaKafkaClusterA1", "-c", properties], { encoding: "utf8" });
    if (retry.status !== 0) {
      rmSync(home, { recursive: true, force: true });
      throw new Error(`kafka-storage format failed: ${format.stderr || format.stdout}\n${retry.stderr || retry.stdout}`);
    }
  }
  const out = openSync(join(home, "broker.log"), "a");
  const proc: ChildProcess = spawn(java, [...jvm, "kafka.Kafka", properties], { stdio: ["ignore", out, out] });
  killOnExit(proc);
  removeOnExit(home);
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(home, { recursive: true, force: true });
    keepOnExit(home);
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  for (;;) {
    if (proc.exitCode !== null) {
      const log = existsSync(join(home, "broker.log")) ? readFileSync(join(home, "broker.log"), "utf8").slice(-4000) : "";
      await stop();
      throw new Error(`the Kafka broker exited with code ${proc.exitCode}:\n${log}`);
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Kafka broker did not listen on 127.0.0.1:${port} within ${options.startTimeoutMs ?? 120_000} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { bootstrap: `127.0.0.1:${port}`, version, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

function freePort(taken: readonly number[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (taken.includes(port) ? freePort(taken).then(resolve, reject) : resolve(port)));
    });
  });
}
