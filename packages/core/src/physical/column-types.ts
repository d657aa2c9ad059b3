/**
 * How each field type maps to each store's native type. The schema builders
 * and the adapters use these, so DDL and runtime encoding never disagree.
 */
import type { FieldModel, FieldType } from "../entity-model.js";

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
/** Postgres' largest `varchar(n)`. */
const PG_MAX_VARCHAR = 10_485_760;

/** Field types stored as a single scalar value in every store. */
const SCALAR_TYPES: ReadonlySet<FieldType> = new Set(["string", "uuid", "int", "number", "bigint", "boolean", "date", "enum"]);

/** True when the field is a scalar (not a list, map or object). */
export function isScalarField(field: FieldModel): boolean {
  return SCALAR_TYPES.has(field.type);
}

/** True when an `int` field's declared bounds fit a signed 32-bit integer (no bounds = does not fit). */
export function fitsInt32(field: FieldModel): boolean {
  return field.min !== undefined && field.max !== undefined && field.min >= INT32_MIN && field.max <= INT32_MAX;
}

/**
 * The Postgres column type of a field, without constraints:
 * `text`/`varchar(n)`, `uuid`, `integer`/`bigint`, `double precision`,
 * `numeric(39,0)`, `boolean`, `timestamptz`, `text` (enum), `jsonb`.
 */
export function postgresColumnType(field: FieldModel): string {
  switch (field.type) {
    case "string":
      return field.maxLength !== undefined && field.maxLength > 0 && field.maxLength <= PG_MAX_VARCHAR ? `varchar(${field.maxLength})` : "text";
    case "uuid":
      return "uuid";
    case "int":
      return fitsInt32(field) ? "integer" : "bigint";
    case "number":
      return "double precision";
    case "bigint":
      return "numeric(39,0)";
    case "boolean":
      return "boolean";
    case "date":
      return "timestamptz";
    case "enum":
      return "text";
    case "list":
    case "map":
    case "object":
      return "jsonb";
  }
}

/** The CQL type of a scalar field. */
function cassandraScalarType(field: FieldModel): string {
  switch (field.type) {
    case "string":
    case "enum":
      return "text";
    case "uuid":
      return "uuid";
    case "int":
      return fitsInt32(field) ? "int" : "bigint";
    case "number":
      return "double";
    case "bigint":
      return "varint";
    case "boolean":
      return "boolean";
    case "date":
      return "timestamp";
    default:
      return "text";
  }
}

/** True when Cassandra stores the field as JSON text (nested or non-scalar collections, objects). */
export function cassandraStoresAsJson(field: FieldModel): boolean {
  if (isScalarField(field)) return false;
  if ((field.type === "list" || field.type === "map") && field.element && isScalarField(field.element)) return false;
  return true;
}

/**
 * The CQL type of a field: scalars map to their native type, lists and maps
 * of scalars to `list<t>` / `map<text, t>`, anything else to `text` holding JSON.
 */
export function cassandraColumnType(field: FieldModel): string {
  if (isScalarField(field)) return cassandraScalarType(field);
  if (cassandraStoresAsJson(field)) return "text";
  const element = cassandraScalarType(field.element!);
  return field.type === "list" ? `list<${element}>` : `map<text, ${element}>`;
}

/** A DynamoDB attribute type. */
export type DynamoAttributeType = "S" | "N" | "BOOL" | "L" | "M";

/**
 * The DynamoDB attribute type of a field: string/uuid/enum/date -> `S`
 * (dates as ISO-8601 UTC with milliseconds), int/number/bigint -> `N`,
 * boolean -> `BOOL`, list -> `L`, map/object -> `M`.
 */
export function dynamoAttributeType(field: FieldModel): DynamoAttributeType {
  switch (field.type) {
    case "string":
    case "uuid":
    case "enum":
    case "date":
      return "S";
    case "int":
    case "number":
    case "bigint":
      return "N";
    case "boolean":
      return "BOOL";
    case "list":
      return "L";
    case "map":
    case "object":
      return "M";
  }
}

/** An Elasticsearch field mapping as written in `properties`. */
export interface ElasticsearchFieldMapping {
  type: string;
  analyzer?: string;
  properties?: Record<string, ElasticsearchFieldMapping>;
}

/**
 * The Elasticsearch mapping of a field. `textFields` names the top-level
 * fields analyzed as full text (`text`, standard analyzer); other strings are
 * `keyword`. A list maps as its element; an object as `object` with its
 * properties; a map as `flattened`.
 */
export function elasticsearchFieldMapping(field: FieldModel, textFields: readonly string[] = []): ElasticsearchFieldMapping {
  switch (field.type) {
    case "string":
      return textFields.includes(field.name) ? { type: "text", analyzer: "standard" } : { type: "keyword" };
    case "uuid":
    case "enum":
    case "bigint":
      return { type: "keyword" };
    case "int":
      return { type: "long" };
    case "number":
      return { type: "double" };
    case "boolean":
      return { type: "boolean" };
    case "date":
      return { type: "date" };
    case "list":
      return field.element ? elasticsearchFieldMapping(field.element) : { type: "keyword" };
    case "object":
      return { type: "object", properties: elasticsearchProperties(field.fields ?? []) };
    case "map":
      return { type: "flattened" };
  }
}

/** The `properties` object of a list of fields, keyed by field name in declaration order. */
export function elasticsearchProperties(fields: readonly FieldModel[], textFields: readonly string[] = []): Record<string, ElasticsearchFieldMapping> {
  const properties: Record<string, ElasticsearchFieldMapping> = {};
  for (const field of fields) properties[field.name] = elasticsearchFieldMapping(field, textFields);
  return properties;
}
