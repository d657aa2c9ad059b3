/**
 * The in-memory DynamoDB adapter: the real DynamoDB adapter over the
 * in-process DynamoDB (`dynamodb-engine/`), so memory and real share every
 * request the adapter builds, and the in-process tables answer them with
 * DynamoDB's semantics (conditions, update expressions, key schema and GSI
 * catalog, 400 KB items, transactions with cancellation reasons, pages).
 *
 * One convenience beyond DynamoDB: an entity's table (with its GSIs and
 * claims table) is created on its first use when it does not exist yet, so
 * tests need not call `applySchema`. A table that already exists is used as
 * it is: a query on a GSI it lacks is refused as on DynamoDB.
 *
 * Consistency: strongly and eventually consistent reads are both served
 * from the latest write (eventual reads are modelled as immediately
 * consistent); strong reads of a GSI are refused as DynamoDB refuses them.
 */
import { type EntityModel } from "@polyxena/core";
import { buildDynamoDbTables } from "@polyxena/core/stores/dynamodb";
import { DynamoDbAdapter, type EntityStatements } from "@polyxena/adapters/dynamodb/in-process";
import { InProcessDynamoDb } from "./dynamodb-engine/in-process-dynamodb.js";

/** Options of {@link createMemoryDynamoDbAdapter}. */
export interface MemoryDynamoDbAdapterOptions {
  /** Instance name in errors and metrics (default `dynamodb`). */
  name?: string | undefined;
  /** Prepended to table names, as in the real adapter. */
  tablePrefix?: string | undefined;
  /** Clock in epoch milliseconds for TTL expiry (default `Date.now`). */
  now?: (() => number) | undefined;
  /** The in-process DynamoDB to use (default a fresh one), e.g. to share tables between two adapters. */
  engine?: InProcessDynamoDb | undefined;
}

/**
 * Creates an in-memory DynamoDB adapter.
 *
 * @example
 * const repos = createRepositories({ stores: { dynamodb: createMemoryDynamoDbAdapter() } });
 */
export function createMemoryDynamoDbAdapter(options: MemoryDynamoDbAdapterOptions = {}): MemoryDynamoDbAdapter {
  return new MemoryDynamoDbAdapter(options);
}

/** The DynamoDB adapter over an in-process DynamoDB; `client` is that in-process DynamoDB. */
export class MemoryDynamoDbAdapter extends DynamoDbAdapter<InProcessDynamoDb> {
  private readonly known = new WeakSet<EntityModel>();
  private readonly prefix: string;

  constructor(options: MemoryDynamoDbAdapterOptions = {}) {
    const engine = options.engine ?? new InProcessDynamoDb();
    super(engine, { name: options.name, tablePrefix: options.tablePrefix, now: options.now }, engine);
    this.prefix = options.tablePrefix ?? "";
  }

  /** Creates the entity's tables on its first use when they do not exist. */
  protected override statementsFor(model: EntityModel): EntityStatements {
    if (!this.known.has(model)) {
      this.known.add(model);
      for (const table of buildDynamoDbTables([model], { tablePrefix: this.prefix })) {
        if (!this.client.hasTable(table.createTable.TableName)) this.client.createTableNow(table.createTable);
      }
    }
    return super.statementsFor(model);
  }
}
