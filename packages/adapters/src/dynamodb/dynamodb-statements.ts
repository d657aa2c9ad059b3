/**
 * Expression strings and attribute-name maps, compiled once per entity (and
 * per shape of update or range) and reused. Every attribute name goes
 * through `ExpressionAttributeNames` (`#a0`, `#a1`, ...), so reserved words
 * such as `name`, `status` or `year` are always safe; every value goes
 * through `ExpressionAttributeValues` with these placeholders:
 * `:now` (epoch seconds, TTL liveness), `:expected` (version), `:one`,
 * `:ttl`, `:s0...` (SET values), `:p` (hash), `:b`/`:lo`/`:hi` (range).
 */
import type { EntityModel, QueryModel, WriteCondition } from "@polyxena/core";
import { TTL_ATTRIBUTE, tableKeyAttributes } from "./dynamodb-codec.js";
import { queryAccess, type QueryAccess } from "./dynamodb-access.js";
import type { RangePlan } from "./dynamodb-key-range.js";

/** An expression and the attribute names it uses. */
export interface CompiledExpression {
  readonly expression: string;
  readonly names: Readonly<Record<string, string>>;
}

/** A compiled UpdateItem. */
export interface CompiledUpdate {
  readonly updateExpression: string;
  readonly conditionExpression: string;
  readonly names: Readonly<Record<string, string>>;
  /** Fields set, in the order of their `:s<i>` placeholders. */
  readonly setFields: readonly string[];
}

/** A compiled Query on the table or a GSI. */
export interface CompiledQuery {
  readonly access: QueryAccess;
  keyCondition(plan: RangePlan): CompiledExpression;
}

/** Assigns `#a<i>` aliases to attribute names within one statement. */
class NameTable {
  readonly names: Record<string, string> = {};
  private readonly aliases = new Map<string, string>();
  ref(attribute: string): string {
    let alias = this.aliases.get(attribute);
    if (!alias) {
      alias = `#a${this.aliases.size}`;
      this.aliases.set(attribute, alias);
      this.names[alias] = attribute;
    }
    return alias;
  }
}

const MAX_CACHED_UPDATES = 512;

function conditionText(n: NameTable, model: EntityModel, condition: WriteCondition | undefined): string | undefined {
  if (!condition) return undefined;
  const hash = () => n.ref(tableKeyAttributes(model)[0]!);
  // DynamoDB deletes expired items lazily: an item whose _ttl has passed counts as absent.
  const alive = () => `(attribute_not_exists(${n.ref(TTL_ATTRIBUTE)}) OR ${n.ref(TTL_ATTRIBUTE)} > :now)`;
  switch (condition.kind) {
    case "notExists":
      return `attribute_not_exists(${hash()}) OR ${n.ref(TTL_ATTRIBUTE)} <= :now`;
    case "exists":
      return `attribute_exists(${hash()}) AND ${alive()}`;
    case "version":
      return `${n.ref(condition.field)} = :expected AND ${alive()}`;
  }
}

/** The statements of one entity in one table (one instance per adapter and entity). */
export class EntityStatements {
  readonly tableName: string;
  readonly keyAttributes: readonly string[];
  /** The statement text of a GetItem, for errors. */
  readonly getStatement: string;
  private readonly conditions = new Map<string, CompiledExpression>();
  private readonly updates = new Map<string, CompiledUpdate>();
  private readonly queries = new Map<QueryModel, CompiledQuery>();

  constructor(
    readonly model: EntityModel,
    tablePrefix: string,
  ) {
    this.tableName = `${tablePrefix}${model.table}`;
    this.keyAttributes = tableKeyAttributes(model);
    this.getStatement = `GetItem ${this.tableName}`;
  }

  /** The ConditionExpression of a put or delete. */
  condition(condition: WriteCondition): CompiledExpression {
    const signature = condition.kind === "version" ? `version:${condition.field}` : condition.kind;
    let compiled = this.conditions.get(signature);
    if (!compiled) {
      const n = new NameTable();
      compiled = { expression: conditionText(n, this.model, condition)!, names: n.names };
      this.conditions.set(signature, compiled);
    }
    return compiled;
  }

  /** The UpdateItem expressions for this set of changed fields. */
  update(setFields: readonly string[], removeFields: readonly string[], condition: WriteCondition, ttl: boolean, incrementVersion: string | undefined): CompiledUpdate {
    const signature = `${setFields.join(",")}|${removeFields.join(",")}|${condition.kind === "version" ? `v:${condition.field}` : condition.kind}|${ttl ? 1 : 0}|${incrementVersion ?? ""}`;
    let compiled = this.updates.get(signature);
    if (compiled) return compiled;
    const n = new NameTable();
    const sets = setFields.map((f, i) => `${n.ref(f)} = :s${i}`);
    if (ttl) sets.push(`${n.ref(TTL_ATTRIBUTE)} = :ttl`);
    const clauses: string[] = [];
    if (sets.length) clauses.push(`SET ${sets.join(", ")}`);
    if (removeFields.length) clauses.push(`REMOVE ${removeFields.map((f) => n.ref(f)).join(", ")}`);
    if (incrementVersion) clauses.push(`ADD ${n.ref(incrementVersion)} :one`);
    compiled = { updateExpression: clauses.join(" "), conditionExpression: conditionText(n, this.model, condition)!, names: n.names, setFields: [...setFields] };
    if (this.updates.size >= MAX_CACHED_UPDATES) this.updates.clear();
    this.updates.set(signature, compiled);
    return compiled;
  }

  /** The Query statements of a declared query. */
  query(query: QueryModel): CompiledQuery {
    let compiled = this.queries.get(query);
    if (compiled) return compiled;
    const access = queryAccess(this.model, query);
    const byShape = new Map<string, CompiledExpression>();
    compiled = {
      access,
      keyCondition: (plan) => {
        const shape = plan.kind === "single" ? plan.op : plan.kind;
        let expression = byShape.get(shape);
        if (!expression) {
          const n = new NameTable();
          let text = `${n.ref(access.partition)} = :p`;
          if (plan.kind === "single") text += ` AND ${n.ref(access.sort!)} ${plan.op} :b`;
          else if (plan.kind === "between") text += ` AND ${n.ref(access.sort!)} BETWEEN :lo AND :hi`;
          expression = { expression: text, names: n.names };
          byShape.set(shape, expression);
        }
        return expression;
      },
    };
    this.queries.set(query, compiled);
    return compiled;
  }
}
