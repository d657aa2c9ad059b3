import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type {
  DeleteCondition,
  DeleteRequest,
  OperationDescriptor,
  PutCondition,
  PutOptions,
  PutRequest,
  Repository,
  StoreAdapter,
  UpdateCondition,
  UpdateRequest,
  WriteCondition,
} from "../src/index.js";

/*
 * Type tests: `pnpm typecheck` compiles this file, so every `@ts-expect-error`
 * below fails the check if the line it marks ever compiles.
 */

declare const adapter: StoreAdapter;
declare const op: OperationDescriptor;
const notExists = { kind: "notExists" } as const;
const exists = { kind: "exists" } as const;
const version = { kind: "version", field: "version", expected: 3 } as const;

const Account = z.object({ accountId: z.string(), plan: z.string(), version: z.number() });
type AccountItem = z.output<typeof Account>;
declare const accounts: Repository<AccountItem, z.input<typeof Account>, { accountId: string }>;

// Runs only under the typechecker: these calls are never made.
function compileOnly(): void {
  const base = { op, consistency: { level: "strong" as const } };
  // A put may create only (notExists) or replace an expected version.
  void adapter.put({ ...base, item: {}, condition: notExists });
  void adapter.put({ ...base, item: {}, condition: version });
  // @ts-expect-error a put never carries "exists": the repository has no replace-if-exists
  void adapter.put({ ...base, item: {}, condition: exists });

  // An update never creates an item, so "not exists" cannot be asked of it.
  void adapter.update({ ...base, key: {}, changes: {}, condition: exists });
  void adapter.update({ ...base, key: {}, changes: {}, condition: version });
  // @ts-expect-error an update cannot carry "not exists"
  void adapter.update({ ...base, key: {}, changes: {}, condition: notExists });
  // @ts-expect-error an update always carries its condition (at least "exists")
  void adapter.update({ ...base, key: {}, changes: {} });

  void adapter.delete({ ...base, key: {} });
  void adapter.delete({ ...base, key: {}, condition: exists });
  void adapter.delete({ ...base, key: {}, condition: version });
  // @ts-expect-error a delete cannot carry "not exists"
  void adapter.delete({ ...base, key: {}, condition: notExists });

  // The repository: create-only and an expected version exclude each other.
  void accounts.put({ accountId: "a", plan: "basic", version: 1 }, { ifNotExists: true });
  void accounts.put({ accountId: "a", plan: "basic", version: 1 }, { expectedVersion: 1 });
  // @ts-expect-error ifNotExists and expectedVersion exclude each other
  void accounts.put({ accountId: "a", plan: "basic", version: 1 }, { ifNotExists: true, expectedVersion: 1 });
  // @ts-expect-error an update has no condition option: it is always "exists" or an expected version
  void accounts.update({ accountId: "a" }, { plan: "premium" }, { condition: notExists });
}

describe("write conditions are narrowed per operation", () => {
  it("puts carry notExists or a version; updates and deletes exists or a version", () => {
    expectTypeOf<NonNullable<PutRequest["condition"]>>().toEqualTypeOf<PutCondition>();
    expectTypeOf<UpdateRequest["condition"]>().toEqualTypeOf<UpdateCondition>();
    expectTypeOf<NonNullable<DeleteRequest["condition"]>>().toEqualTypeOf<DeleteCondition>();
    expectTypeOf<PutCondition["kind"]>().toEqualTypeOf<"notExists" | "version">();
    expectTypeOf<UpdateCondition["kind"]>().toEqualTypeOf<"exists" | "version">();
    expectTypeOf<DeleteCondition["kind"]>().toEqualTypeOf<"exists" | "version">();
    expectTypeOf<WriteCondition["kind"]>().toEqualTypeOf<"notExists" | "exists" | "version">();
    expectTypeOf<{ ifNotExists: true; expectedVersion: 1 }>().not.toExtend<PutOptions>();
    expectTypeOf(compileOnly).toBeFunction();
  });
});
