/**
 * Cassandra unique constraints: a lookup table per entity (`<table>_unique`,
 * one row per taken value) claimed with lightweight transactions.
 *
 * Cassandra cannot make the claim and the item write one atomic step, so the
 * order is fixed: claim first (`INSERT ... IF NOT EXISTS`), then write the
 * item, then release the claims the item gave up; a failed item write
 * releases the claims it just took. A process that dies between the claim
 * and the item write leaves a claim whose owner does not hold the value. Such
 * a leftover is repaired on the next claim of that value: when the owner's
 * row does not hold the value and the claim is older than the grace period
 * (so it is not a write in flight), the claim is taken over with
 * `UPDATE ... IF owner = <old owner>`.
 */
import { fromJsonValue, PolyxenaError, planUniqueClaims, qualifiedName, uniqueClaimOf, uniqueClaimOwner, uniqueClaimTable, uniqueViolationError, type EntityModel, type StoredItem, type UniqueClaim } from "@polyxena/core";
import type { CqlResult, CqlStatement, NeutralValue } from "./cassandra-session.js";

/** How the claims reach the store: a lightweight transaction, and a serial read of an item by key. */
export interface ClaimRunner {
  lwt(statement: CqlStatement, params: NeutralValue[]): Promise<CqlResult>;
  readItem(key: StoredItem): Promise<StoredItem | undefined>;
  now(): number;
}

/** The claim statements of one entity. */
export class CassandraClaims {
  readonly claimInsert: CqlStatement;
  readonly claimInsertWithTtl: CqlStatement;
  readonly takeOver: CqlStatement;
  readonly release: CqlStatement;

  constructor(
    readonly model: EntityModel,
    keyspace: string,
    /** How old an orphaned claim must be before another item may take it over. */
    readonly graceMs: number,
  ) {
    const table = qualifiedName(keyspace, uniqueClaimTable(model));
    this.claimInsert = { cql: `INSERT INTO ${table} ("claim", "owner", "claimed_at") VALUES (?, ?, ?) IF NOT EXISTS`, types: ["text", "text", "timestamp"] };
    this.claimInsertWithTtl = { cql: `INSERT INTO ${table} ("claim", "owner", "claimed_at") VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?`, types: ["text", "text", "timestamp", "int"] };
    this.takeOver = { cql: `UPDATE ${table} SET "owner" = ?, "claimed_at" = ? WHERE "claim" = ? IF "owner" = ?`, types: ["text", "timestamp", "text", "text"] };
    this.release = { cql: `DELETE FROM ${table} WHERE "claim" = ? IF "owner" = ?`, types: ["text", "text"] };
  }

  /**
   * Runs `write` (the item write) between claiming the values `after` takes
   * and releasing the ones `before` held. `E_ALREADY_EXISTS` when another
   * item holds a value; the item is then not written.
   */
  async around<T>(runner: ClaimRunner, key: StoredItem, before: StoredItem | undefined, after: StoredItem | undefined, ttlSeconds: number | undefined, write: () => Promise<T>): Promise<T> {
    const plan = planUniqueClaims(this.model, before, after);
    const owner = uniqueClaimOwner(this.model, key);
    const takes = ttlSeconds !== undefined ? [...plan.take, ...plan.keep] : plan.take;
    const taken: UniqueClaim[] = [];
    try {
      for (const claim of takes) {
        await this.claim(runner, claim, owner, ttlSeconds);
        taken.push(claim);
      }
    } catch (error) {
      await this.releaseAll(runner, taken.filter((c) => !plan.keep.includes(c)), owner);
      throw error;
    }
    let result: T;
    try {
      result = await write();
    } catch (error) {
      await this.releaseAll(runner, taken.filter((c) => !plan.keep.includes(c)), owner);
      throw error;
    }
    // The item is written: a release that fails now leaves an orphan the next claimer repairs.
    await this.releaseAll(runner, plan.release, owner);
    return result;
  }

  private async claim(runner: ClaimRunner, claim: UniqueClaim, owner: string, ttlSeconds: number | undefined): Promise<void> {
    const now = new Date(runner.now());
    const inserted =
      ttlSeconds === undefined
        ? await runner.lwt(this.claimInsert, [claim.claim, owner, now])
        : await runner.lwt(this.claimInsertWithTtl, [claim.claim, owner, now, ttlSeconds]);
    if (inserted.applied !== false) return;
    const row = inserted.rows[0];
    const holder = typeof row?.["owner"] === "string" ? (row["owner"] as string) : undefined;
    if (holder === owner) return;
    if (holder === undefined) throw new PolyxenaError("E_STORE", "a claim was refused without its current owner", { statement: this.claimInsert.cql });
    const claimedAt = row?.["claimed_at"] instanceof Date ? (row["claimed_at"] as Date).getTime() : 0;
    if (runner.now() - claimedAt < this.graceMs || (await this.holds(runner, holder, claim))) {
      throw uniqueViolationError(this.model, claim.constraint, { statement: this.claimInsert.cql });
    }
    const taken = await runner.lwt(this.takeOver, [owner, now, claim.claim, holder]);
    if (taken.applied === false) throw uniqueViolationError(this.model, claim.constraint, { statement: this.takeOver.cql });
  }

  /** Whether the item keyed by `holder` (an owner text) still holds the value of `claim`. */
  private async holds(runner: ClaimRunner, holder: string, claim: UniqueClaim): Promise<boolean> {
    let values: unknown;
    try {
      values = JSON.parse(holder);
    } catch {
      return false;
    }
    if (!Array.isArray(values) || values.length !== this.model.key.fields.length) return false;
    const key: StoredItem = {};
    this.model.key.fields.forEach((name, i) => (key[name] = fromJsonValue(this.model.fields.find((f) => f.name === name), values[i])));
    const item = await runner.readItem(key);
    return item !== undefined && uniqueClaimOf(this.model, claim.constraint, item)?.claim === claim.claim;
  }

  private async releaseAll(runner: ClaimRunner, claims: readonly UniqueClaim[], owner: string): Promise<void> {
    for (const claim of claims) {
      try {
        await runner.lwt(this.release, [claim.claim, owner]);
      } catch {
        // An unreleased claim is an orphan: the next claim of this value takes it over after the grace period.
      }
    }
  }
}
