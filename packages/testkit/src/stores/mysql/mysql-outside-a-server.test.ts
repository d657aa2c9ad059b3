import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEntity, isPolyxenaError, listStatements, PolyxenaRuntime } from "@polyxena/core";
import { buildMysqlSchema } from "@polyxena/core/stores/mysql";
import { memoryStores } from "@polyxena/memory";

describe("mysql outside a server", () => {
  const Invoice = defineEntity("MyInvoice", {
    store: "mysql",
    schema: z.object({ invoiceId: z.uuid(), customer: z.string().max(120), amountCents: z.bigint(), issuedAt: z.date() }),
    key: { primary: ["invoiceId"] },
    queries: { byCustomer: { by: ["customer"], order: { issuedAt: "desc" } } },
    unique: [{ name: "invoice_customer_issued", fields: ["customer", "issuedAt"] }],
  });

  it("a memory-only runtime of a MySQL entity is E_DEFINITION saying there is no memory twin and which server to use", () => {
    let caught: unknown;
    try {
      new PolyxenaRuntime({ stores: memoryStores() }, [Invoice]);
    } catch (error) {
      caught = error;
    }
    expect(isPolyxenaError(caught, "E_DEFINITION")).toBe(true);
    const error = caught as { message: string; fix?: string; entity?: string };
    expect(error.message).toMatch(/^no adapter for store mysql/);
    expect(error.entity).toBe("MyInvoice");
    expect(error.fix).toMatch(/createMysqlAdapter\(\{ uri \}\) from @polyxena\/adapters\/mysql/);
    expect(error.fix).toMatch(/MySQL has no memory twin/);
    expect(error.fix).toContain("POLYXENA_TEST_MYSQL_URL");
    expect(error.fix).toContain("start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd");
  });

  it("refuses change events on a MySQL entity with the reason (the adapter has no outbox)", () => {
    let caught: unknown;
    try {
      defineEntity("MyEvented", { store: "mysql", schema: z.object({ id: z.string().max(10) }), key: { primary: ["id"] }, events: {} });
    } catch (error) {
      caught = error;
    }
    expect(isPolyxenaError(caught, "E_DEFINITION")).toBe(true);
    expect((caught as Error).message).toMatch(/MySQL adapter has no outbox/);
  });

  it("lists the statements each method sends, and the DDL sizes indexed text to InnoDB's key limit", () => {
    const listing = listStatements(Invoice.model);
    expect(listing.map((e) => e.operation)).toEqual(["get", "getMany", "put", "update", "delete", "byCustomer", "unique invoice_customer_issued"]);
    expect(listing.find((e) => e.operation === "update")!.statement).toMatch(/^START TRANSACTION; UPDATE `my_invoice` SET .*; SELECT .* COMMIT/);
    expect(listing.find((e) => e.operation === "put")!.statement).toMatch(/^UPDATE `my_invoice` SET .*INSERT INTO `my_invoice`/);
    const [table, index] = buildMysqlSchema([Invoice.model], "utf8mb4_nopad_bin");
    expect(table).toContain("`customer` varchar(120) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL");
    expect(table).toContain("CONSTRAINT `invoice_customer_issued` UNIQUE (`customer`, `issued_at`)");
    expect(index).toBe("CREATE INDEX `my_invoice_by_customer_idx` ON `my_invoice` (`customer`, `issued_at` DESC)");
  });
});
