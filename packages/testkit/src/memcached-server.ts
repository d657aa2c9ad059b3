import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, connect } from "node:net";

/** Options of {@link startMemcached}. */
export interface StartMemcachedOptions {
  /** How many servers (default 1). */
  count?: number;
  /** Memory per server in MB (default 64). */
  memoryMb?: number;
  /** Path of the memcached binary (default `$MEMCACHED_BIN` or `/usr/bin/memcached`). */
  binary?: string;
}

/** One running memcached process. */
export interface MemcachedServer {
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** Process id of the current process (changes on restart). */
  readonly pid: number | undefined;
  /** Stops it (SIGTERM) and waits for exit. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL) and waits for exit. */
  kill(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  /** Kills it and starts a fresh, empty one on the same port. */
  restart(): Promise<void>;
}

/** A set of memcached processes. */
export interface MemcachedCluster {
  readonly servers: readonly MemcachedServer[];
  /** `host:port` of every server. */
  readonly addresses: string[];
  /** Stops every server. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts real memcached processes on free local ports (the Debian package's
 * binary). Fails with the install command when memcached is missing.
 *
 * @example
 * const cluster = await startMemcached({ count: 4 });
 * const driver = createMemcachedDriver({ zones: [{ name: "a", servers: cluster.addresses.slice(0, 2) }, ...] });
 * await cluster.servers[0].kill();
 */
export async function startMemcached(options: StartMemcachedOptions = {}): Promise<MemcachedCluster> {
  const binary = options.binary ?? process.env.MEMCACHED_BIN ?? "/usr/bin/memcached";
  if (!existsSync(binary)) {
    throw new Error(`memcached not found at ${binary}. Install it with: apt-get install -y memcached (as root), or set MEMCACHED_BIN`);
  }
  installExitHook();
  const servers = await Promise.all(Array.from({ length: options.count ?? 1 }, async () => startOne(binary, options.memoryMb ?? 64)));
  return {
    servers,
    addresses: servers.map((s) => s.address),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

async function startOne(binary: string, memoryMb: number): Promise<MemcachedServer> {
  const host = "127.0.0.1";
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ["-l", host, "-p", String(port), "-U", "0", "-m", String(memoryMb), "-t", "2", "-c", "4096"];
    if (process.getuid?.() === 0) args.push("-u", "root");
    const proc = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    // A failed spawn (EACCES, EAGAIN) or signal is an `error` event: without a listener it ends the test process.
    proc.on("error", (error) => (stderr += `${stderr ? "\n" : ""}${error.message}`));
    if (proc.pid === undefined) {
      const error = await new Promise<Error>((resolve) => proc.once("error", resolve));
      throw new Error(`memcached could not be started from ${binary}: ${error.message}`, { cause: error });
    }
    proc.stderr?.on("error", () => undefined);
    proc.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    running.add(proc);
    proc.once("exit", () => running.delete(proc));
    child = proc;
    await waitForPort(host, port, proc, () => stderr);
  };
  const exit = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    if (signal === "SIGKILL" || signal === "SIGTERM") proc.kill("SIGCONT");
    proc.kill(signal);
    await exited;
  };
  await launch();
  return {
    host,
    port,
    address: `${host}:${port}`,
    get pid() {
      return child?.pid;
    },
    stop: () => exit("SIGTERM"),
    kill: () => exit("SIGKILL"),
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    restart: async () => {
      await exit("SIGKILL");
      await launch();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForPort(host: string, port: number, proc: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`memcached exited with code ${proc.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`memcached did not listen on ${host}:${port} within 10 s: ${stderr()}`);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const proc of running) {
      try {
        proc.kill("SIGCONT");
        proc.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}
