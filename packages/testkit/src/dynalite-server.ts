/**
 * A DynamoDB endpoint for tests: `dynalite` (DynamoDB on an in-memory
 * LevelDB) started on a free port, in this process or in a child process,
 * or the endpoint named by `POLYXENA_TEST_DYNAMODB_ENDPOINT` (e.g. DynamoDB
 * Local or a real region endpoint) when that variable is set.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import { listenLocally } from "./listen-locally.js";

/** A running test endpoint. */
export interface DynamoDbTestServer {
  /** `http://127.0.0.1:<port>` (or the configured endpoint). */
  readonly endpoint: string;
  /** Whether this process started the server (false for an external endpoint). */
  readonly embedded: boolean;
  /** Stops the embedded server; does nothing for an external endpoint. */
  close(): Promise<void>;
}

/** Options of {@link startDynamoDbTestServer}. */
export interface DynamoDbTestServerOptions {
  /** How long new tables stay CREATING (dynalite only; default 0 so tests do not wait). */
  createTableMs?: number;
  /**
   * Run dynalite in a child process (default false). Benchmarks use it so the
   * server's CPU is not counted against the client, as with a remote DynamoDB.
   */
  childProcess?: boolean;
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;

/**
 * Loads dynalite. A literal specifier in a dynamic import, so that a bundler
 * (see `scripts/run-bench.mjs`) pins it to this package's own dependency;
 * `as string` keeps TypeScript from looking for types dynalite does not ship.
 */
async function loadDynalite(): Promise<DynaliteFactory> {
  const module = (await import("dynalite" as string)) as { default: DynaliteFactory };
  return module.default;
}

/** The file of the loaded dynalite (CommonJS): the module-cache entry exporting this very factory. */
function dynaliteFile(factory: DynaliteFactory): string {
  const entry = Object.values(createRequire(import.meta.url).cache).find((m) => m?.exports === factory);
  if (!entry) throw new Error("cannot locate the dynalite module to start it in a child process");
  return entry.filename;
}

/**
 * Starts dynalite on 127.0.0.1 and a free port (in a child process with
 * `childProcess: true`), or returns the endpoint in
 * `POLYXENA_TEST_DYNAMODB_ENDPOINT`.
 *
 * @example
 * const server = await startDynamoDbTestServer(); // or ({ childProcess: true }) for benchmarks
 * const adapter = createDynamoDbAdapter({ client: { endpoint: server.endpoint, region: "local", credentials } });
 * ...
 * await server.close();
 */
export async function startDynamoDbTestServer(options: DynamoDbTestServerOptions = {}): Promise<DynamoDbTestServer> {
  const external = process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT;
  if (external) return { endpoint: external, embedded: false, close: async () => {} };

  const dynaliteOptions = { createTableMs: options.createTableMs ?? 0, deleteTableMs: 0, updateTableMs: 0 };
  const dynalite = await loadDynalite();
  if (options.childProcess) return startInChild(dynaliteFile(dynalite), dynaliteOptions);
  const { endpoint, close } = await listenLocally(dynalite(dynaliteOptions));
  return { endpoint, embedded: true, close };
}

/**
 * Runs dynalite under `node -e` with an IPC channel: the child reports its
 * port over it and exits when the channel closes, so it never outlives this
 * process.
 */
async function startInChild(dynalitePath: string, dynaliteOptions: Record<string, unknown>): Promise<DynamoDbTestServer> {
  const script = [
    `const server = require(${JSON.stringify(dynalitePath)})(${JSON.stringify(dynaliteOptions)});`,
    `server.listen(0, "127.0.0.1", () => process.send(server.address().port));`,
    `process.on("disconnect", () => process.exit(0));`,
  ].join("\n");
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Kill or IPC failures after start are `error` events too: never let one end the test process.
  child.on("error", () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message) => resolve(Number(message)));
    child.once("error", reject);
    child.once("exit", (code, signal) => reject(new Error(`dynalite child process exited (${signal ?? `code ${code}`}) before listening`)));
  });
  // Like an in-process server, the child does not keep this process alive; it exits with it.
  child.unref();
  child.channel?.unref();
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    embedded: true,
    close: () =>
      (closing ??= (async () => {
        // Held again so that this process waits for the exit it asked for.
        child.ref();
        if (child.exitCode === null && child.signalCode === null) child.kill();
        await exited;
      })()),
  };
}
