/**
 * DynamoDB options: the `dynamodb` section of `polyxena.config.ts` (the
 * table name prefix) and `db.system`.
 */
import type { StoreOptionRules } from "../store-dialect.js";

/** DynamoDB options of the config. */
export interface DynamoDbOptions {
  tablePrefix?: string | undefined;
}

/** OpenTelemetry `db.system` of DynamoDB. */
export const DYNAMODB_DB_SYSTEM = "dynamodb";

/** Rules of the `dynamodb` config section. */
export const dynamoDbOptions: StoreOptionRules<DynamoDbOptions> = {
  keys: { tablePrefix: true },
  withDefaults: (section) => ({ tablePrefix: section?.tablePrefix }),
};
