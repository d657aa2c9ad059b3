/**
 * A {@link PostgresPort} over PGlite: real Postgres compiled to WebAssembly,
 * running in this process. The memory Postgres twin is the real Postgres
 * adapter over this port.
 *
 * PGlite is one Postgres backend, so there is one session: statements and
 * transactions take turns on it, first come, first served. A statement sent
 * outside a transaction from inside that transaction's work would wait for
 * ever (on a server it runs on a second connection); it fails at once with
 * `E_UNSUPPORTED` instead (see {@link runAsSessionHolder}).
 *
 * Starting PGlite costs seconds (initdb) and a few hundred MB, so the
 * memory adapters of a process share one instance, each in a schema of its
 * own, started on first use from a data directory initialised once per
 * machine and kept in the temp folder.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PolyxenaError } from "@polyxena/core";
import { POLYXENA_TEXT_PARSERS, type PostgresArrayQuery, type PostgresPort, type PostgresSession } from "@polyxena/adapters/postgres/in-process";
import { PgliteConnection } from "./pglite-connection.js";

/** The transactions whose work is running in the current async context, innermost first. */
interface HolderScope {
  readonly token: object;
  readonly parent: HolderScope | undefined;
}

const holders = new AsyncLocalStorage<HolderScope>();

/**
 * Runs `work` (a transaction) as the holder of the session it takes: while it
 * holds it, a statement sent outside the session from inside `work` fails at
 * once with `E_UNSUPPORTED`, where it would otherwise wait for `work` to end.
 */
export function runAsSessionHolder<T>(work: () => Promise<T>): Promise<T> {
  return holders.run({ token: {}, parent: holders.getStore() }, work);
}

/** Whether the current async context runs inside the work of the transaction `token`. */
function insideHolder(token: object): boolean {
  for (let scope = holders.getStore(); scope; scope = scope.parent) if (scope.token === token) return true;
  return false;
}

/** The one session of a PGlite instance, with its turn queue. */
class PgliteSessions {
  private tail: Promise<void> = Promise.resolve();
  /** The transaction holding the session, when one does. */
  private heldBy: object | undefined;

  constructor(readonly connection: Promise<PgliteConnection>) {}

  /** Waits for the session's turn; resolves to the function that hands it on. */
  async take(): Promise<() => void> {
    const holder = this.heldBy;
    if (holder !== undefined && insideHolder(holder)) throw oneSessionError();
    let handOn!: () => void;
    const mine = new Promise<void>((resolve) => (handOn = resolve));
    const before = this.tail;
    this.tail = before.then(() => mine);
    await before;
    this.heldBy = holders.getStore()?.token;
    return () => {
      this.heldBy = undefined;
      handOn();
    };
  }

  /** Runs one statement in its own turn. */
  async query(query: PostgresArrayQuery | string, values?: unknown[]) {
    const handOn = await this.take();
    try {
      return await (await this.connection).query(query, values);
    } finally {
      handOn();
    }
  }
}

/** `E_UNSUPPORTED` for a statement outside the transaction, sent from inside it. */
function oneSessionError(): PolyxenaError {
  return new PolyxenaError(
    "E_UNSUPPORTED",
    "the memory Postgres (PGlite) has one session, held by the transaction this statement was sent from: outside that transaction the statement would wait for the transaction to end",
    {
      fix: "send it through the transaction (tx.entity(...)) or after the transaction ends; a test that needs two sessions at once runs against a Postgres server (createPostgresAdapter)",
    },
  );
}

/** The session a transaction holds, until `release`. */
class PgliteSession implements PostgresSession {
  private released = false;

  constructor(
    private readonly connection: PgliteConnection,
    private readonly handOn: () => void,
  ) {}

  query(query: PostgresArrayQuery | string, values?: unknown[]): Promise<never> {
    if (this.released) return Promise.reject(new Error("the session was released"));
    return this.connection.query(query, values) as Promise<never>;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    // A session handed back inside a transaction (its holder gave up before ROLLBACK) is rolled back first.
    if (this.connection.db.isInTransaction()) void this.connection.query("ROLLBACK").then(this.handOn, this.handOn);
    else this.handOn();
  }

  // PGlite runs in process: the session's connection never closes under it.
  on(): this {
    return this;
  }

  off(): this {
    return this;
  }
}

const sessionsByDb = new WeakMap<PGlite, PgliteSessions>();
let shared: PgliteSessions | undefined;

/**
 * A {@link PostgresPort} on one database schema of a PGlite instance: the
 * process's shared instance, or the one passed in. `setup` runs once, in the
 * session's turn, before the first statement (the memory adapter creates its
 * schema there).
 */
export class PglitePostgresPort implements PostgresPort {
  private readonly sessions: PgliteSessions;
  private setupDone: Promise<void> | undefined;

  constructor(
    pglite: PGlite | undefined,
    private readonly setup: (db: PGlite) => Promise<void>,
  ) {
    if (pglite === undefined) {
      this.sessions = shared ??= new PgliteSessions(connectTo(startSharedPglite()));
    } else {
      let sessions = sessionsByDb.get(pglite);
      if (!sessions) sessionsByDb.set(pglite, (sessions = new PgliteSessions(connectTo(Promise.resolve(pglite)))));
      this.sessions = sessions;
    }
  }

  query(query: PostgresArrayQuery): Promise<never>;
  query(text: string, values?: unknown[]): Promise<never>;
  async query(query: PostgresArrayQuery | string, values?: unknown[]): Promise<never> {
    await this.ready();
    return (await this.sessions.query(query, values)) as never;
  }

  async connect(): Promise<PostgresSession> {
    await this.ready();
    const handOn = await this.sessions.take();
    return new PgliteSession(await this.sessions.connection, handOn);
  }

  /** The instance stays up for the process's other adapters; a passed-in instance is its owner's to close. */
  async end(): Promise<void> {}

  private ready(): Promise<void> {
    return (this.setupDone ??= this.runSetup());
  }

  private async runSetup(): Promise<void> {
    const handOn = await this.sessions.take();
    try {
      await this.setup((await this.sessions.connection).db);
    } catch (error) {
      this.setupDone = undefined;
      throw error;
    } finally {
      handOn();
    }
  }
}

/** The connection to a PGlite instance once it is up. */
async function connectTo(pglite: Promise<PGlite>): Promise<PgliteConnection> {
  const [db, module] = await Promise.all([pglite, import("@electric-sql/pglite")]);
  return new PgliteConnection(db, module);
}

/** initdb's options: 1 MB WAL segments instead of 16 MB, so the saved data directory every process loads is about a fifth smaller. */
const INITDB_PARAMS = ["--wal-segsize=1"];

/**
 * Options of the memory adapters' PGlite: the adapter's int8/numeric parsers, no
 * startup progress timer (Postgres arms it while it recovers a loaded data directory,
 * and PGlite's copy of it would keep the process alive), and {@link INITDB_PARAMS}.
 */
function pgliteOptions(PGlite: typeof import("@electric-sql/pglite").PGlite) {
  return { parsers: POLYXENA_TEXT_PARSERS, startParams: [...PGlite.defaultStartParams, "-c", "log_startup_progress_interval=0"], initDbStartParams: INITDB_PARAMS };
}

/** Where this machine keeps its initialised PGlite data directory, per PGlite version and initdb options. */
async function dataDirCopy(): Promise<string> {
  // The package's own version (its exports leave package.json out): a new PGlite initialises a new copy.
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const { version } = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return join(tmpdir(), `polyxena-pglite-${version}`, `datadir${INITDB_PARAMS.join("")}.tar`);
}

/** Saves the data directory of a fresh instance as the machine's copy; false when it cannot. */
async function saveDataDir(db: PGlite, copy: string): Promise<boolean> {
  try {
    const dump = Buffer.from(await (await db.dumpDataDir("none")).arrayBuffer());
    await mkdir(dirname(copy), { recursive: true });
    // Written aside and renamed, so a process starting meanwhile never reads half a copy.
    const partial = `${copy}.${process.pid}.${Date.now()}`;
    await writeFile(partial, dump);
    await rename(partial, copy);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes this machine's initialised PGlite data directory (Postgres's initdb, a few
 * seconds) unless it exists, so that the memory Postgres adapters of every later
 * process start from it. Call it once before tests run in parallel (a global setup),
 * or leave it to the first memory adapter.
 */
export async function preparePgliteDataDir(): Promise<void> {
  const copy = await dataDirCopy();
  if (await stat(copy).then(() => true, () => false)) return;
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create(pgliteOptions(PGlite));
  try {
    await saveDataDir(db, copy);
  } finally {
    await db.close();
  }
}

/**
 * Starts the process's shared PGlite from the machine's initialised data
 * directory, making that (initdb) on the first start of this PGlite version.
 */
async function startSharedPglite(): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  const options = pgliteOptions(PGlite);
  const copy = await dataDirCopy();
  const data = await readFile(copy).catch(() => undefined);
  if (data) {
    try {
      return await PGlite.create({ ...options, loadDataDir: new Blob([data]) });
    } catch {
      // An unreadable copy: initialise a new one below.
    }
  }
  const db = await PGlite.create(options);
  // Without a copy (a read-only temp folder), the next process initialises its own.
  await saveDataDir(db, copy);
  return db;
}
