/**
 * Rules relational stores share: `@polyxena/core/stores/sql`.
 */
export { sqlKeys } from "./sql-keys.js";
export { planSqlQuery } from "./sql-query-plan.js";
export { sqlColumnDefinition, sqlColumns, sqlIndexStatements, sqlUniqueConstraint, type SqlQuoting } from "./sql-schema.js";
