/**
 * @polyxena/adapters/postgres/in-process: what an in-process Postgres needs to
 * run the real adapter (`@polyxena/memory` runs it over PGlite): the adapter,
 * its driver port, the session behind a transaction handle, and the adapter's
 * int8/numeric text parsers.
 */
export { PostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter.js";
export type { PostgresArrayQuery, PostgresArrayResult, PostgresObjectResult, PostgresPort, PostgresQueryable, PostgresSession } from "./postgres-port.js";
export { transactionClient } from "./postgres-transaction.js";
export { POLYXENA_TEXT_PARSERS } from "./postgres-type-parsers.js";
