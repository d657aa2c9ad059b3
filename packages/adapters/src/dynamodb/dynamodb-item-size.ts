/**
 * DynamoDB item size, computed the way DynamoDB counts it: the UTF-8 length
 * of every attribute name plus the size of its value. Shared by the real and
 * the in-memory adapter so both refuse the same items.
 *
 * - string: UTF-8 bytes; boolean and null: 1 byte;
 * - number: 1 byte plus 1 byte per two significant digits (with DynamoDB's
 *   extra byte for an even digit count at an even exponent and for negatives);
 * - list and map: 3 bytes, plus 1 byte per element, plus the elements
 *   (map elements include their key names).
 */
import type { DynamoNative } from "./dynamodb-codec.js";

/** The largest item DynamoDB stores: 400 KB, attribute names included. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/** Size in bytes of a whole item (attribute names + values). */
export function dynamoItemSize(item: Readonly<Record<string, DynamoNative | undefined>>): number {
  let size = 0;
  for (const name in item) {
    const value = item[name];
    if (value === undefined) continue;
    size += Buffer.byteLength(name, "utf8") + dynamoValueSize(value);
  }
  return size;
}

/** Size in bytes of one attribute value, without its name. */
export function dynamoValueSize(value: DynamoNative): number {
  switch (typeof value) {
    case "string":
      return Buffer.byteLength(value, "utf8");
    case "number":
    case "bigint":
      return dynamoNumberSize(String(value));
    case "boolean":
      return 1;
    default:
      break;
  }
  if (value === null) return 1;
  if (Array.isArray(value)) {
    let size = 3;
    for (const element of value) size += 1 + dynamoValueSize(element);
    return size;
  }
  let size = 3;
  for (const key in value) {
    const element = value[key];
    if (element === undefined) continue;
    size += 1 + Buffer.byteLength(key, "utf8") + dynamoValueSize(element);
  }
  return size;
}

/** Size of a number given as decimal text (`"-12.5"`, `"1e+21"`). */
export function dynamoNumberSize(text: string): number {
  let s = text.trim();
  const negative = s.startsWith("-");
  if (negative || s.startsWith("+")) s = s.slice(1);
  let exponent = 0;
  const e = s.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(s.slice(e + 1));
    s = s.slice(0, e);
  }
  const dot = s.indexOf(".");
  const integerDigits = dot >= 0 ? dot : s.length;
  const digits = dot >= 0 ? s.slice(0, dot) + s.slice(dot + 1) : s;
  const leading = digits.length - digits.replace(/^0+/, "").length;
  const significant = digits.replace(/^0+/, "").replace(/0+$/, "").length;
  if (significant === 0) return 1;
  // Exponent of the first significant digit (d.ddd x 10^e), as DynamoDB's encoding uses it.
  const e10 = integerDigits - 1 - leading + exponent;
  return 1 + Math.ceil(significant / 2) + (significant % 2 !== 0 || e10 % 2 !== 0 ? 0 : 1) + (negative ? 1 : 0);
}
