/**
 * The compiled statements of a SQL adapter, kept per entity model and per
 * declared query for the life of the process.
 */
import { PolyxenaError, type EntityModel, type OperationDescriptor, type QueryModel } from "@polyxena/core";
import type { SqlCompiledQuery } from "./sql-compiled-query.js";
import type { SqlEntityStatements } from "./sql-entity-statements.js";

/** Statements by entity model and compiled queries by operation; `E` is the store's entity statements. */
export class SqlStatementCache<S, E extends SqlEntityStatements<S>> {
  private readonly byModel = new WeakMap<EntityModel, E>();
  private readonly queriesByDescriptor = new WeakMap<OperationDescriptor, SqlCompiledQuery<S>>();
  private readonly queriesByModel = new WeakMap<QueryModel, SqlCompiledQuery<S>>();

  constructor(
    private readonly store: string,
    private readonly compile: (model: EntityModel) => E,
  ) {}

  /** The statements of an entity, compiled on first use. */
  entity(model: EntityModel): E {
    let s = this.byModel.get(model);
    if (!s) {
      s = this.compile(model);
      this.byModel.set(model, s);
    }
    return s;
  }

  /** The compiled declared query of an operation; `E_VALIDATION` when the operation is not a declared query. */
  query(op: OperationDescriptor): SqlCompiledQuery<S> {
    let q = this.queriesByDescriptor.get(op);
    if (q) return q;
    if (!op.query) throw new PolyxenaError("E_VALIDATION", `operation ${op.id} is not a declared query`, { store: this.store });
    q = this.queriesByModel.get(op.query);
    if (!q) {
      q = this.entity(op.entity).compileQuery(op.query);
      this.queriesByModel.set(op.query, q);
    }
    this.queriesByDescriptor.set(op, q);
    return q;
  }
}
