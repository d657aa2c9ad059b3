/**
 * DynamoDB's expression language, parsed and evaluated in process: condition
 * and key-condition expressions (comparisons, BETWEEN, IN, AND / OR / NOT,
 * attribute_exists, attribute_not_exists, attribute_type, begins_with,
 * contains, size) and update expressions (SET with `+`, `-`, if_not_exists
 * and list_append; REMOVE; ADD; DELETE), over document paths with `#name`
 * aliases, `.` and `[n]`. Values are in document-client form.
 *
 * Semantics follow DynamoDB: a comparison of values of different types, or
 * with a missing attribute, is false (`<>` is then true); `<`, `<=`, `>`,
 * `>=` and BETWEEN compare numbers numerically and strings by UTF-8 bytes;
 * keywords are case-insensitive; every `#name` and `:value` must be defined,
 * and every one defined must be used (checked by the caller over all of a
 * request's expressions).
 */
import { compareUtf8 } from "@polyxena/adapters/dynamodb/in-process";
import { engineError } from "./dynamodb-engine-error.js";
import { DYNAMODB_RESERVED_WORDS } from "./dynamodb-reserved-words.js";

/** A value in document-client form. */
export type Value = unknown;
/** An item in document-client form. */
export type Item = Record<string, Value>;

/** A document path: attribute name, then map keys and list indexes. */
export type Path = readonly (string | number)[];

/** An operand of a condition or a SET value. */
export type Operand =
  | { kind: "path"; path: Path }
  | { kind: "value"; name: string }
  | { kind: "size"; path: Path }
  | { kind: "if_not_exists"; path: Path; fallback: Operand }
  | { kind: "list_append"; left: Operand; right: Operand }
  | { kind: "arith"; op: "+" | "-"; left: Operand; right: Operand };

/** A parsed condition. */
export type Condition =
  | { kind: "compare"; op: "=" | "<>" | "<" | "<=" | ">" | ">="; left: Operand; right: Operand }
  | { kind: "between"; operand: Operand; low: Operand; high: Operand }
  | { kind: "in"; operand: Operand; list: Operand[] }
  | { kind: "and" | "or"; left: Condition; right: Condition }
  | { kind: "not"; condition: Condition }
  | { kind: "exists" | "not_exists"; path: Path }
  | { kind: "type"; path: Path; type: Operand }
  | { kind: "begins_with" | "contains"; path: Path; operand: Operand };

/** A parsed update expression. */
export interface Update {
  set: { path: Path; value: Operand }[];
  remove: Path[];
  add: { path: Path; value: Operand }[];
  delete: { path: Path; value: Operand }[];
}

/** The names and values an expression may reference, and which of them it used. */
export class ExpressionScope {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    private readonly names: Readonly<Record<string, string>> | undefined,
    private readonly values: Readonly<Record<string, Value>> | undefined,
  ) {}

  name(alias: string, what = "expression"): string {
    const name = this.names?.[alias];
    if (name === undefined) throw engineError("ValidationException", `Invalid ${what}: An expression attribute name used in the document path is not defined; attribute name: ${alias}`);
    this.usedNames.add(alias);
    return name;
  }

  value(placeholder: string, what = "expression"): Value {
    if (!this.values || !(placeholder in this.values)) throw engineError("ValidationException", `Invalid ${what}: An expression attribute value used in expression is not defined; attribute value: ${placeholder}`);
    this.usedValues.add(placeholder);
    return this.values[placeholder];
  }

  /** `ValidationException` when a defined name or value was used by no expression of the request. */
  assertAllUsed(): void {
    const unusedNames = Object.keys(this.names ?? {}).filter((n) => !this.usedNames.has(n));
    if (unusedNames.length > 0) throw engineError("ValidationException", `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(", ")}}`);
    const unusedValues = Object.keys(this.values ?? {}).filter((v) => !this.usedValues.has(v));
    if (unusedValues.length > 0) throw engineError("ValidationException", `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(", ")}}`);
  }
}

// ---- lexer -----------------------------------------------------------------

type Token = { kind: "word" | "name" | "value" | "number" | "op" | "end"; text: string };

const OPERATORS = ["<>", "<=", ">=", "=", "<", ">", "(", ")", ",", ".", "[", "]", "+", "-"];

function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const word = /^([#:]?)([A-Za-z0-9_]+)/.exec(rest);
    if (word) {
      const kind = word[1] === "#" ? "name" : word[1] === ":" ? "value" : /^[0-9]+$/.test(word[2]!) ? "number" : "word";
      tokens.push({ kind, text: word[0] });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) throw engineError("ValidationException", `Invalid ${what}: Syntax error; token: "${c}", near: "${text.slice(Math.max(0, i - 5), i + 5)}"`);
    tokens.push({ kind: "op", text: op });
    i += op.length;
  }
  tokens.push({ kind: "end", text: "" });
  return tokens;
}

// ---- parser ----------------------------------------------------------------

class Parser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly what: string,
    private readonly scope: ExpressionScope,
  ) {
    if (text.trim() === "") throw engineError("ValidationException", `Invalid ${what}: The expression can not be empty;`);
    this.tokens = tokenize(text, what);
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    return this.tokens[this.at++]!;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === "word" && t.text.toUpperCase() === word;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === op;
  }

  private expectOp(op: string): void {
    if (!this.isOp(op)) this.fail();
    this.at++;
  }

  fail(): never {
    const t = this.peek();
    throw engineError("ValidationException", `Invalid ${this.what}: Syntax error; token: "${t.kind === "end" ? "<EOF>" : t.text}", near: "${this.text}"`);
  }

  end(): void {
    if (this.peek().kind !== "end") this.fail();
  }

  // condition := or
  condition(): Condition {
    let left = this.andCondition();
    while (this.isWord("OR")) {
      this.at++;
      left = { kind: "or", left, right: this.andCondition() };
    }
    return left;
  }

  private andCondition(): Condition {
    let left = this.notCondition();
    while (this.isWord("AND")) {
      this.at++;
      left = { kind: "and", left, right: this.notCondition() };
    }
    return left;
  }

  private notCondition(): Condition {
    if (this.isWord("NOT")) {
      this.at++;
      return { kind: "not", condition: this.notCondition() };
    }
    return this.primaryCondition();
  }

  private primaryCondition(): Condition {
    if (this.isOp("(")) {
      this.at++;
      const inner = this.condition();
      this.expectOp(")");
      return inner;
    }
    const t = this.peek();
    const fn = t.kind === "word" ? t.text.toLowerCase() : "";
    if (fn === "attribute_exists" || fn === "attribute_not_exists" || fn === "attribute_type" || fn === "begins_with" || fn === "contains") {
      this.at++;
      this.expectOp("(");
      const path = this.path();
      let condition: Condition;
      if (fn === "attribute_exists" || fn === "attribute_not_exists") condition = { kind: fn === "attribute_exists" ? "exists" : "not_exists", path };
      else {
        this.expectOp(",");
        const operand = this.operand();
        if (fn === "begins_with") this.checkLiteral(operand, ["S", "B"], fn);
        condition = fn === "attribute_type" ? { kind: "type", path, type: operand } : { kind: fn, path, operand };
      }
      this.expectOp(")");
      return condition;
    }
    const left = this.operand();
    if (this.isWord("BETWEEN")) {
      this.at++;
      const low = this.operand();
      if (!this.isWord("AND")) this.fail();
      this.at++;
      const high = this.operand();
      this.checkBounds(low, high);
      return { kind: "between", operand: left, low, high };
    }
    if (this.isWord("IN")) {
      this.at++;
      this.expectOp("(");
      const list = [this.operand()];
      while (this.isOp(",")) {
        this.at++;
        list.push(this.operand());
      }
      this.expectOp(")");
      return { kind: "in", operand: left, list };
    }
    const op = this.peek();
    if (op.kind === "op" && ["=", "<>", "<", "<=", ">", ">="].includes(op.text)) {
      this.at++;
      return { kind: "compare", op: op.text as "=", left, right: this.operand() };
    }
    return this.fail();
  }

  /** BETWEEN with two literal bounds: same type, low <= high, as DynamoDB checks before evaluating. */
  private checkBounds(low: Operand, high: Operand): void {
    if (low.kind !== "value" || high.kind !== "value") return;
    const a = this.scope.value(low.name, this.what);
    const b = this.scope.value(high.name, this.what);
    const bounds = `lower bound operand: AttributeValue: {${typeOf(a)}:${displayValue(a)}}, upper bound operand: AttributeValue: {${typeOf(b)}:${displayValue(b)}}`;
    if (typeOf(a) !== typeOf(b)) throw engineError("ValidationException", `Invalid ${this.what}: The BETWEEN operator requires same data type for lower and upper bounds; ${bounds}`);
    if ((compareScalars(a, b) ?? 0) > 0) throw engineError("ValidationException", `Invalid ${this.what}: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${bounds}`);
  }

  /** A function operand given as a literal value must have a type the function takes. */
  private checkLiteral(operand: Operand, allowed: readonly string[], fn: string): void {
    if (operand.kind !== "value") return;
    const type = typeOf(this.scope.value(operand.name, this.what));
    if (type !== undefined && !allowed.includes(type)) throw engineError("ValidationException", `Invalid ${this.what}: Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${type}`);
  }

  /** A condition operand: a path, a value, or size(path). */
  operand(): Operand {
    const t = this.peek();
    if (t.kind === "value") {
      this.at++;
      this.scope.value(t.text, this.what);
      return { kind: "value", name: t.text };
    }
    if (t.kind === "word" && t.text.toLowerCase() === "size" && this.tokens[this.at + 1]?.text === "(") {
      this.at += 2;
      const path = this.path();
      this.expectOp(")");
      return { kind: "size", path };
    }
    return { kind: "path", path: this.path() };
  }

  /** A SET value: operand, operand + operand, operand - operand, with if_not_exists and list_append. */
  setValue(): Operand {
    const left = this.setOperand();
    if (this.isOp("+") || this.isOp("-")) {
      const op = this.next().text as "+" | "-";
      const right = this.setOperand();
      this.checkLiteral(left, ["N"], op);
      this.checkLiteral(right, ["N"], op);
      return { kind: "arith", op, left, right };
    }
    return left;
  }

  private setOperand(): Operand {
    const t = this.peek();
    const fn = t.kind === "word" ? t.text.toLowerCase() : "";
    if ((fn === "if_not_exists" || fn === "list_append") && this.tokens[this.at + 1]?.text === "(") {
      this.at += 2;
      let operand: Operand;
      if (fn === "if_not_exists") {
        const path = this.path();
        this.expectOp(",");
        operand = { kind: "if_not_exists", path, fallback: this.setValue() };
      } else {
        const left = this.setValue();
        this.expectOp(",");
        const right = this.setValue();
        this.checkLiteral(left, ["L"], fn);
        this.checkLiteral(right, ["L"], fn);
        operand = { kind: "list_append", left, right };
      }
      this.expectOp(")");
      return operand;
    }
    if (t.kind === "value") {
      this.at++;
      this.scope.value(t.text, this.what);
      return { kind: "value", name: t.text };
    }
    return { kind: "path", path: this.path() };
  }

  path(): Path {
    const segments: (string | number)[] = [this.pathName()];
    for (;;) {
      if (this.isOp(".")) {
        this.at++;
        segments.push(this.pathName());
      } else if (this.isOp("[")) {
        this.at++;
        const index = this.next();
        if (index.kind !== "number") this.fail();
        segments.push(Number(index.text));
        this.expectOp("]");
      } else return segments;
    }
  }

  private pathName(): string {
    const t = this.next();
    if (t.kind === "name") return this.scope.name(t.text, this.what);
    if (t.kind === "word") {
      if (DYNAMODB_RESERVED_WORDS.has(t.text.toUpperCase())) {
        throw engineError("ValidationException", `Invalid ${this.what}: Attribute name is a reserved keyword; reserved keyword: ${t.text}`);
      }
      return t.text;
    }
    this.at--;
    return this.fail();
  }

  update(): Update {
    const update: Update = { set: [], remove: [], add: [], delete: [] };
    const seen = new Set<string>();
    const paths: Path[] = [];
    while (this.peek().kind !== "end") {
      const clause = this.next();
      const keyword = clause.kind === "word" ? clause.text.toUpperCase() : "";
      if (!["SET", "REMOVE", "ADD", "DELETE"].includes(keyword)) {
        this.at--;
        this.fail();
      }
      if (seen.has(keyword)) throw engineError("ValidationException", `Invalid UpdateExpression: The "${keyword}" section can only be used once in an update expression;`);
      seen.add(keyword);
      do {
        if (this.isOp(",")) this.at++;
        const path = this.path();
        for (const earlier of paths) checkDisjoint(earlier, path);
        paths.push(path);
        if (keyword === "SET") {
          this.expectOp("=");
          update.set.push({ path, value: this.setValue() });
        } else if (keyword === "REMOVE") update.remove.push(path);
        else {
          const value = this.operand();
          if (value.kind === "value") {
            const type = typeOf(this.scope.value(value.name, this.what));
            const takes = keyword === "ADD" ? ["N", "SS", "NS", "BS"] : ["SS", "NS", "BS"];
            if (type !== undefined && !takes.includes(type)) throw engineError("ValidationException", `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ${keyword}, operand type: ${OPERAND_TYPE_NAMES[type] ?? type}`);
          }
          (keyword === "ADD" ? update.add : update.delete).push({ path, value });
        }
      } while (this.isOp(","));
    }
    if (seen.size === 0) this.fail();
    return update;
  }
}

/** DynamoDB's names of value types in operand type errors. */
const OPERAND_TYPE_NAMES: Record<string, string> = { S: "STRING", N: "NUMBER", B: "BINARY", NULL: "NULL", BOOL: "BOOLEAN", L: "LIST", M: "MAP" };

function pathText(path: Path): string {
  return `[${path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(", ")}]`;
}

/** Two paths of one update expression may neither overlap (one a prefix of the other) nor conflict (a map key and a list index at one place). */
function checkDisjoint(one: Path, two: Path): void {
  const shared = Math.min(one.length, two.length);
  for (let i = 0; i < shared; i++) {
    if (typeof one[i] !== typeof two[i]) throw engineError("ValidationException", `Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${pathText(one)}, path two: ${pathText(two)}`);
    if (one[i] !== two[i]) return;
  }
  throw engineError("ValidationException", `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${pathText(one)}, path two: ${pathText(two)}`);
}

/** A scalar as DynamoDB prints it inside error messages. */
function displayValue(value: Value): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Parses a ConditionExpression or KeyConditionExpression. */
export function parseCondition(text: string, scope: ExpressionScope, what = "ConditionExpression"): Condition {
  const parser = new Parser(text, what, scope);
  const condition = parser.condition();
  parser.end();
  return condition;
}

/** Parses an UpdateExpression. */
export function parseUpdate(text: string, scope: ExpressionScope): Update {
  const parser = new Parser(text, "UpdateExpression", scope);
  return parser.update();
}

// ---- values ----------------------------------------------------------------

/** DynamoDB's type of a document-client value. */
export function typeOf(value: Value): "S" | "N" | "B" | "BOOL" | "NULL" | "L" | "M" | "SS" | "NS" | "BS" | undefined {
  if (value === undefined) return undefined;
  if (value === null) return "NULL";
  switch (typeof value) {
    case "string":
      return "S";
    case "number":
    case "bigint":
      return "N";
    case "boolean":
      return "BOOL";
    default:
      break;
  }
  if (value instanceof Uint8Array) return "B";
  if (Array.isArray(value)) return "L";
  if (value instanceof Set) {
    const first = value.values().next().value;
    return typeof first === "string" ? "SS" : first instanceof Uint8Array ? "BS" : "NS";
  }
  if (isNumberText(value)) return "N";
  return "M";
}

/** A number given as an object holding its decimal text (the SDK's NumberValue). */
function isNumberText(value: unknown): value is { value: string } {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) !== Object.prototype && typeof (value as { value?: unknown }).value === "string";
}

function numeric(value: Value): number | bigint {
  if (typeof value === "number" || typeof value === "bigint") return value;
  const text = isNumberText(value) ? value.value : String(value);
  return /^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text)) ? BigInt(text) : Number(text);
}

/** Orders two values of one scalar type (N numerically, S by UTF-8 bytes, B bytewise); undefined for other types. */
export function compareScalars(a: Value, b: Value): number | undefined {
  const type = typeOf(a);
  if (type !== typeOf(b)) return undefined;
  if (type === "N") {
    const x = numeric(a);
    const y = numeric(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (type === "S") return compareUtf8(a as string, b as string);
  if (type === "B") return Buffer.compare(Buffer.from(a as Uint8Array), Buffer.from(b as Uint8Array));
  return undefined;
}

/** DynamoDB equality: same type and same value (lists, maps and sets deeply). */
export function valuesEqual(a: Value, b: Value): boolean {
  const type = typeOf(a);
  if (type === undefined || type !== typeOf(b)) return false;
  switch (type) {
    case "N":
    case "S":
    case "B":
      return compareScalars(a, b) === 0;
    case "L": {
      const x = a as Value[];
      const y = b as Value[];
      return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]));
    }
    case "M": {
      const x = a as Item;
      const y = b as Item;
      const keys = Object.keys(x).filter((k) => x[k] !== undefined);
      return keys.length === Object.keys(y).filter((k) => y[k] !== undefined).length && keys.every((k) => valuesEqual(x[k], y[k]));
    }
    case "SS":
    case "NS":
    case "BS": {
      const x = [...(a as Set<Value>)];
      const y = [...(b as Set<Value>)];
      return x.length === y.length && x.every((v) => y.some((w) => valuesEqual(v, w)));
    }
    default:
      return a === b;
  }
}

/** The value at `path` in `item` (undefined when absent). */
export function getPath(item: Item | undefined, path: Path): Value {
  let current: Value = item;
  for (const segment of path) {
    if (current === undefined || current === null) return undefined;
    if (typeof segment === "number") current = Array.isArray(current) ? current[segment] : undefined;
    else current = typeof current === "object" && !Array.isArray(current) && !(current instanceof Set) ? (current as Item)[segment] : undefined;
  }
  return current;
}

function setPath(item: Item, path: Path, value: Value): void {
  let parent: Value = item;
  for (let i = 0; i < path.length - 1; i++) parent = getPath(parent as Item, [path[i]!]);
  const last = path[path.length - 1]!;
  if (typeof last === "number") {
    if (!Array.isArray(parent)) throw engineError("ValidationException", "The document path provided in the update expression is invalid for update");
    if (last >= parent.length) parent.push(value);
    else parent[last] = value;
  } else {
    if (typeof parent !== "object" || parent === null || Array.isArray(parent)) throw engineError("ValidationException", "The document path provided in the update expression is invalid for update");
    (parent as Item)[last] = value;
  }
}

function removePath(item: Item, path: Path): void {
  const parent = path.length === 1 ? item : getPath(item, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (typeof last === "number") {
    if (Array.isArray(parent) && last < parent.length) parent.splice(last, 1);
  } else if (typeof parent === "object" && parent !== null && !Array.isArray(parent)) delete (parent as Item)[last];
}

// ---- evaluation ------------------------------------------------------------

function operandValue(operand: Operand, item: Item | undefined, scope: ExpressionScope): Value {
  switch (operand.kind) {
    case "path":
      return getPath(item, operand.path);
    case "value":
      return scope.value(operand.name);
    case "size": {
      const value = getPath(item, operand.path);
      const type = typeOf(value);
      if (type === "S") return Buffer.byteLength(value as string, "utf8");
      if (type === "B") return (value as Uint8Array).length;
      if (type === "L") return (value as Value[]).length;
      if (type === "M") return Object.keys(value as Item).length;
      if (type === "SS" || type === "NS" || type === "BS") return (value as Set<Value>).size;
      return undefined;
    }
    case "if_not_exists": {
      const value = getPath(item, operand.path);
      return value === undefined ? operandValue(operand.fallback, item, scope) : value;
    }
    case "list_append": {
      const left = operandValue(operand.left, item, scope);
      const right = operandValue(operand.right, item, scope);
      if (left === undefined || right === undefined) throw engineError("ValidationException", "The provided expression refers to an attribute that does not exist in the item");
      if (!Array.isArray(left) || !Array.isArray(right)) throw engineError("ValidationException", "An operand in the update expression has an incorrect data type");
      return [...left, ...right];
    }
    case "arith": {
      const left = operandValue(operand.left, item, scope);
      const right = operandValue(operand.right, item, scope);
      if (left === undefined || right === undefined) throw engineError("ValidationException", "The provided expression refers to an attribute that does not exist in the item");
      if (typeOf(left) !== "N" || typeOf(right) !== "N") throw engineError("ValidationException", "An operand in the update expression has an incorrect data type");
      return arithmetic(numeric(left), numeric(right), operand.op);
    }
  }
}

/**
 * a + b or a - b computed exactly, as DynamoDB computes decimals (0.1 + 0.2 is 0.3).
 * A non-integer result is kept as a double only when the double is that exact
 * decimal; one a double cannot hold is refused rather than rounded.
 */
function arithmetic(a: number | bigint, b: number | bigint, op: "+" | "-"): number | bigint {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  const left = x.units * 10n ** BigInt(scale - x.scale);
  const right = y.units * 10n ** BigInt(scale - y.scale);
  return fromScaled(op === "+" ? left + right : left - right, scale);
}

/** A number as `units / 10^scale` (scale >= 0), from its shortest decimal text. */
function toScaled(value: number | bigint): { units: bigint; scale: number } {
  if (typeof value === "bigint") return { units: value, scale: 0 };
  const [mantissa = "0", exponentText = "0"] = String(value).toLowerCase().split("e");
  const [whole = "0", fraction = ""] = mantissa.split(".");
  let units = BigInt(whole + fraction);
  let scale = fraction.length - Number(exponentText);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

function fromScaled(units: bigint, scale: number): number | bigint {
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  if (scale === 0) return units >= BigInt(Number.MIN_SAFE_INTEGER) && units <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(units) : units;
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const text = `${negative ? "-" : ""}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  const double = Number(text);
  const back = toScaled(double);
  if (back.units === units && back.scale === scale) return double;
  throw engineError(
    "ValidationException",
    `The result ${text} has more significant digits than this engine holds exactly in a non-integer: it keeps non-integers as IEEE-754 doubles (15 to 17 significant digits; DynamoDB keeps 38). Integers are exact up to 38 digits.`,
  );
}

/** Whether `condition` holds for `item` (undefined: no item). */
export function evaluate(condition: Condition, item: Item | undefined, scope: ExpressionScope): boolean {
  switch (condition.kind) {
    case "and":
      return evaluate(condition.left, item, scope) && evaluate(condition.right, item, scope);
    case "or":
      return evaluate(condition.left, item, scope) || evaluate(condition.right, item, scope);
    case "not":
      return !evaluate(condition.condition, item, scope);
    case "exists":
      return getPath(item, condition.path) !== undefined;
    case "not_exists":
      return getPath(item, condition.path) === undefined;
    case "type":
      return typeOf(getPath(item, condition.path)) === operandValue(condition.type, item, scope);
    case "begins_with": {
      const value = getPath(item, condition.path);
      const prefix = operandValue(condition.operand, item, scope);
      return typeof value === "string" && typeof prefix === "string" && value.startsWith(prefix);
    }
    case "contains": {
      const value = getPath(item, condition.path);
      const needle = operandValue(condition.operand, item, scope);
      if (typeof value === "string") return typeof needle === "string" && value.includes(needle);
      if (Array.isArray(value)) return value.some((v) => valuesEqual(v, needle));
      if (value instanceof Set) return [...value].some((v) => valuesEqual(v, needle));
      return false;
    }
    case "in": {
      const value = operandValue(condition.operand, item, scope);
      return condition.list.some((o) => valuesEqual(value, operandValue(o, item, scope)));
    }
    case "between": {
      const value = operandValue(condition.operand, item, scope);
      const low = compareScalars(value, operandValue(condition.low, item, scope));
      const high = compareScalars(value, operandValue(condition.high, item, scope));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case "compare": {
      const left = operandValue(condition.left, item, scope);
      const right = operandValue(condition.right, item, scope);
      if (condition.op === "=") return valuesEqual(left, right);
      if (condition.op === "<>") return !valuesEqual(left, right);
      const c = compareScalars(left, right);
      if (c === undefined) return false;
      return condition.op === "<" ? c < 0 : condition.op === "<=" ? c <= 0 : condition.op === ">" ? c > 0 : c >= 0;
    }
  }
}

/** The item after `update` (a new object; `item` is not changed). */
export function applyUpdate(update: Update, item: Item, scope: ExpressionScope): Item {
  const next = structuredClone(item);
  // Every right-hand side reads the item as it was before the update.
  const sets = update.set.map(({ path, value }) => ({ path, value: operandValue(value, item, scope) }));
  for (const { path, value } of sets) setPath(next, path, structuredClone(value));
  for (const path of update.remove) removePath(next, path);
  for (const { path, value: operand } of update.add) {
    const value = operandValue(operand, item, scope);
    const current = getPath(next, path);
    if (typeOf(value) === "N") {
      if (current !== undefined && typeOf(current) !== "N") throw engineError("ValidationException", "An operand in the update expression has an incorrect data type");
      setPath(next, path, current === undefined ? value : arithmetic(numeric(current), numeric(value), "+"));
    } else if (value instanceof Set) {
      if (current !== undefined && !(current instanceof Set && typeOf(current) === typeOf(value))) throw engineError("ValidationException", "An operand in the update expression has an incorrect data type");
      setPath(next, path, new Set([...((current as Set<Value> | undefined) ?? []), ...value]));
    } else throw engineError("ValidationException", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD");
  }
  for (const { path, value: operand } of update.delete) {
    const value = operandValue(operand, item, scope);
    const current = getPath(next, path);
    if (!(value instanceof Set)) throw engineError("ValidationException", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE");
    if (current === undefined) continue;
    const remaining = [...(current as Set<Value>)].filter((v) => ![...value].some((w) => valuesEqual(v, w)));
    if (remaining.length === 0) removePath(next, path);
    else setPath(next, path, new Set(remaining));
  }
  return next;
}

/** The top-level attribute names an update writes. */
export function updatedAttributes(update: Update): Set<string> {
  const paths = [...update.set.map((s) => s.path), ...update.remove, ...update.add.map((a) => a.path), ...update.delete.map((d) => d.path)];
  return new Set(paths.map((p) => p[0] as string));
}
