/**
 * The MySQL store adapter (MySQL 8, MariaDB 10.6+), reaching its driver
 * through {@link MysqlPoolPort}, with a Kysely instance on the same pool for
 * ad-hoc typed queries.
 */
import {
  isPolyxenaError,
  PolyxenaError,
  type DeleteRequest,
  type EntityModel,
  type ErrorClass,
  type GetManyRequest,
  type GetRequest,
  type OperationDescriptor,
  type PutRequest,
  type QueryRequest,
  type SchemaApplyOptions,
  type SchemaApplyResult,
  type SchemaPlan,
  type StoreAdapter,
  type StoredItem,
  type StorePage,
  type StoreRequestBase,
  type StoreTransaction,
  type TransactionOptions,
  type UpdateRequest,
  type WriteCondition,
} from "@polyxena/core";
import { Kysely, MysqlDialect } from "kysely";
import { MYSQL_CAPABILITIES } from "./mysql-capabilities.js";
import type { MysqlTextCollation } from "@polyxena/core/stores/mysql";
import { classifyMysqlError, duplicateKeyName, ER_LOCK_DEADLOCK, mysqlError, serverErrno } from "./mysql-errors.js";
import { isolationLevel } from "./mysql-isolation.js";
import { assertIndexKeySizes } from "./mysql-limits.js";
import type { MysqlConnectionPort, MysqlPoolPort, MysqlQueryablePort, MysqlWriteResult } from "./mysql-port.js";
import { applyMysqlSchema, planMysqlSchema } from "./mysql-schema-apply.js";
import { EntityStatements, type CompiledQuery } from "./mysql-statements.js";
import { holdConnection, MysqlTransactionHandle, transactionConnection } from "./mysql-transaction.js";
import { runSqlTransaction } from "../sql/sql-transaction.js";
import { assertNotAborted, conditionFailure, inRequestOrder, keysetPage, updateParameters } from "../sql/sql-requests.js";
import { SqlStatementCache } from "../sql/sql-statement-cache.js";
import { decodePosition } from "../sql/sql-ordering.js";

/** Options of the MySQL adapter besides the connection. */
export interface MysqlAdapterOptions {
  /** Instance id in errors and metrics (default `mysql`). */
  name?: string | undefined;
  /**
   * The binary NO PAD collation of text columns. Default: read from the
   * server (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL 8).
   */
  textCollation?: MysqlTextCollation | undefined;
}

/** Attempts of a put whose update found no row and whose insert then found one (a concurrent insert). */
const PUT_RACE_ATTEMPTS = 3;

/**
 * A {@link StoreAdapter} for MySQL and MariaDB. Every operation runs as a
 * server-side prepared statement compiled once per process per operation.
 */
export class MysqlAdapter implements StoreAdapter {
  readonly kind = "mysql" as const;
  readonly capabilities = MYSQL_CAPABILITIES;
  readonly name: string;
  private readonly compiled: SqlStatementCache<string, EntityStatements>;
  private collation: Promise<MysqlTextCollation> | undefined;
  private kyselyInstance: Kysely<unknown> | undefined;
  private closed = false;

  /**
   * @param pool the connection pool, behind the driver port
   * @param ownsPool whether `close()` ends the pool (only pools the adapter created)
   */
  constructor(
    readonly pool: MysqlPoolPort,
    private readonly ownsPool: boolean,
    options: MysqlAdapterOptions = {},
  ) {
    this.name = options.name ?? "mysql";
    this.compiled = new SqlStatementCache(this.name, (model) => new EntityStatements(model));
    if (options.textCollation) this.collation = Promise.resolve(options.textCollation);
  }

  async get(request: GetRequest): Promise<StoredItem | undefined> {
    assertIndexKeySizes(request.op.entity, request.key, "key");
    const s = this.statements(request.op);
    const rows = await this.read(request, s.get, s.keyValues(request.key));
    const row = rows[0];
    return row === undefined ? undefined : s.decodeRow(row);
  }

  async getMany(request: GetManyRequest): Promise<(StoredItem | undefined)[]> {
    if (request.keys.length === 0) return [];
    for (const key of request.keys) assertIndexKeySizes(request.op.entity, key, "key");
    const s = this.statements(request.op);
    const distinct = new Map<string, Record<string, unknown>>();
    for (const key of request.keys) distinct.set(s.keyString(key), key);
    const values = [...distinct.values()].flatMap((key) => s.keyValues(key));
    const rows = await this.read(request, s.getMany(distinct.size), values);
    return inRequestOrder(request.keys, rows.map((row) => s.decodeRow(row)), (key) => s.keyString(key));
  }

  async put(request: PutRequest): Promise<void> {
    assertIndexKeySizes(request.op.entity, request.item, "item");
    const s = this.statements(request.op);
    const condition = request.condition;
    if (!condition) {
      if (s.model.unique.length === 0) {
        await this.write(request, s.upsert, s.itemValues(request.item));
        return;
      }
      // ON DUPLICATE KEY UPDATE would update the row holding a taken unique value instead of refusing the write.
      for (let attempt = 1; ; attempt++) {
        if ((await this.write(request, s.replaceExisting, s.replaceValues(request.item))).affectedRows > 0) return;
        try {
          await this.write(request, s.insert, s.itemValues(request.item));
          return;
        } catch (error) {
          if (attempt >= PUT_RACE_ATTEMPTS || !isPrimaryKeyDuplicate(error)) throw error;
        }
      }
    }
    switch (condition.kind) {
      case "notExists":
        try {
          await this.write(request, s.insert, s.itemValues(request.item));
        } catch (error) {
          if (isPrimaryKeyDuplicate(error)) throw await this.conditionFailed(request, s, request.item, condition, s.insert);
          throw error;
        }
        return;
      case "version":
        if ((await this.write(request, s.replaceVersion, [...s.replaceValues(request.item), condition.expected])).affectedRows === 0) {
          throw await this.conditionFailed(request, s, request.item, condition, s.replaceVersion);
        }
        return;
    }
  }

  /**
   * Updates some fields and returns the row as stored. MySQL has no
   * `UPDATE ... RETURNING`: the row is read back in the same transaction,
   * under the lock the update took, so it is exactly what this update wrote.
   */
  async update(request: UpdateRequest): Promise<StoredItem> {
    assertIndexKeySizes(request.op.entity, request.key, "key");
    assertIndexKeySizes(request.op.entity, request.changes, "changes");
    const s = this.statements(request.op);
    const condition = request.condition;
    const { changed, values } = updateParameters(request, s, this.name);
    const sql = s.update(changed, condition.kind === "version", request.incrementVersion);
    const run = async (inTransaction: UpdateRequest): Promise<StoredItem> => {
      if ((await this.write(inTransaction, sql, values)).affectedRows === 0) throw await this.conditionFailed(inTransaction, s, request.key, condition, sql);
      const row = (await this.read(inTransaction, s.get, s.keyValues(request.key)))[0];
      if (row === undefined) throw new PolyxenaError("E_STORE", "the updated row was not found in its own transaction", { store: this.name, statement: s.get });
      return s.decodeRow(row);
    };
    if (request.transaction) return run(request);
    return this.transaction((tx) => run({ ...request, transaction: tx }));
  }

  async delete(request: DeleteRequest): Promise<void> {
    assertIndexKeySizes(request.op.entity, request.key, "key");
    const s = this.statements(request.op);
    const condition = request.condition;
    const sql = condition?.kind === "version" ? s.deleteVersion : s.delete;
    const values = s.keyValues(request.key);
    if (condition?.kind === "version") values.push(condition.expected);
    const result = await this.write(request, sql, values);
    if (condition && result.affectedRows === 0) throw await this.conditionFailed(request, s, request.key, condition, sql);
  }

  async query(request: QueryRequest): Promise<StorePage> {
    assertIndexKeySizes(request.op.entity, request.params, "params");
    const compiled = this.compiledQuery(request.op);
    const s = this.statements(request.op);
    const position = request.position === undefined ? undefined : decodePosition(compiled.ordering, request.position);
    const variant = compiled.variant(request.reverse, request.range, position, request.limit);
    const rows = await this.read(request, variant.statement, compiled.values(variant, request.params, request.range, position, request.limit));
    return keysetPage(rows, request.limit, (row) => s.decodeRow(row), compiled.ordering);
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const level = isolationLevel(options.isolation, this.name);
    const begin = level ? `SET TRANSACTION ISOLATION LEVEL ${level.toUpperCase()}` : "START TRANSACTION";
    return runSqlTransaction<MysqlConnectionPort, T>(
      {
        store: this.name,
        server: "the server",
        idleTimeout: "wait_timeout closes idle sessions",
        begin,
        hold: () => holdConnection(this.pool),
        start: async (connection) => {
          // SET TRANSACTION applies to the next transaction of the session only.
          if (level) await connection.query({ sql: begin });
          await connection.query({ sql: "START TRANSACTION" });
        },
        commit: (connection) => connection.query({ sql: "COMMIT" }),
        rollback: (connection) => connection.query({ sql: "ROLLBACK" }),
        handle: (connection) => new MysqlTransactionHandle(this.name, connection),
        classify: classifyMysqlError,
        mapError: mysqlError,
      },
      work,
    );
  }

  /** Brings the database to the declared schema (see `mysql-schema-apply.ts`): additive changes; destructive ones only with `allowDestructive`. */
  async applySchema(entities: readonly EntityModel[], options: SchemaApplyOptions = {}): Promise<SchemaApplyResult> {
    try {
      return await applyMysqlSchema(this.pool, entities, await this.textCollation(), options, this.name);
    } catch (error) {
      throw mysqlError(error, "applySchema").withContext({ store: this.name, operation: "applySchema" });
    }
  }

  /** The differences between the declared schema and the database, read from information_schema; changes nothing. */
  async planSchema(entities: readonly EntityModel[]): Promise<SchemaPlan> {
    try {
      return await planMysqlSchema(this.pool, entities, await this.textCollation());
    } catch (error) {
      throw mysqlError(error, "planSchema").withContext({ store: this.name, operation: "planSchema" });
    }
  }

  classifyError(error: unknown): ErrorClass {
    return classifyMysqlError(error);
  }

  /**
   * A Kysely instance on the adapter's pool, for queries beyond the
   * declared patterns. Pass the generated `Database` type.
   */
  kysely<DB = any>(): Kysely<DB> {
    this.kyselyInstance ??= new Kysely<unknown>({ dialect: new MysqlDialect({ pool: this.pool.pool }) });
    return this.kyselyInstance as unknown as Kysely<DB>;
  }

  /** Ends the pool when the adapter created it; a pool passed in is left open for its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  // ---- internals ----------------------------------------------------------

  /** The server's binary NO PAD collation, read once. */
  private textCollation(): Promise<MysqlTextCollation> {
    this.collation ??= this.pool.query({ sql: "SELECT VERSION()", rowsAsArray: true }).then(
      ([rows]) => (/mariadb/i.test(String((rows as unknown[][])[0]?.[0])) ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin"),
      (error: unknown) => {
        this.collation = undefined;
        throw error;
      },
    );
    return this.collation;
  }

  private statements(op: OperationDescriptor): EntityStatements {
    return this.compiled.entity(op.entity);
  }

  private compiledQuery(op: OperationDescriptor): CompiledQuery {
    return this.compiled.query(op);
  }

  /** Runs a prepared statement on the request's transaction, or on any pooled connection. */
  private async execute(request: StoreRequestBase, sql: string, values: unknown[]): Promise<unknown> {
    assertNotAborted(request, sql);
    let target: MysqlQueryablePort | MysqlConnectionPort = this.pool;
    if (request.transaction) target = transactionConnection(request.transaction);
    try {
      const [result] = await target.execute({ sql, values, rowsAsArray: true });
      return result;
    } catch (error) {
      // InnoDB rolled the whole transaction back: later statements on the connection would run outside it.
      if (request.transaction && serverErrno(error) === ER_LOCK_DEADLOCK) (request.transaction as MysqlTransactionHandle).rolledBack ??= error instanceof Error ? error : new Error(String(error));
      throw mysqlError(error, sql, request.op.idempotent, request.op.entity);
    }
  }

  private async read(request: StoreRequestBase, sql: string, values: unknown[]): Promise<unknown[][]> {
    return (await this.execute(request, sql, values)) as unknown[][];
  }

  private async write(request: StoreRequestBase, sql: string, values: unknown[]): Promise<MysqlWriteResult> {
    return (await this.execute(request, sql, values)) as MysqlWriteResult;
  }

  /** `E_CONDITION_FAILED` for a conditional write that changed no row, with the current row when it exists. */
  private conditionFailed(request: StoreRequestBase, s: EntityStatements, key: Record<string, unknown>, condition: WriteCondition, sql: string): Promise<PolyxenaError> {
    return conditionFailure(s.model, condition, sql, async () => {
      const row = (await this.read(request, s.get, s.keyValues(key)))[0];
      return row === undefined ? undefined : s.decodeRow(row);
    }, { constraint: "PRIMARY", alreadyExists: `Duplicate entry for key 'PRIMARY' of ${s.model.table}` });
  }
}

/** Whether a statement failed because the primary key is taken. */
function isPrimaryKeyDuplicate(error: unknown): boolean {
  const cause = isPolyxenaError(error) ? error.cause : error;
  return duplicateKeyName(cause) === "PRIMARY";
}
