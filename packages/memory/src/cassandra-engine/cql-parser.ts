import type {
  Assignment,
  BatchStatement,
  ColumnDefinition,
  Condition,
  CreateKeyspaceStatement,
  CreateTableStatement,
  DeleteStatement,
  InsertStatement,
  ModificationStatement,
  Operator,
  OptionValue,
  ParsedStatement,
  QualifiedName,
  Relation,
  SelectStatement,
  Selector,
  SelectorArgument,
  Statement,
  Term,
  UpdateStatement,
  UsingClause,
} from "./cql-ast.js";
import { invalid, syntaxError } from "./cql-error.js";
import { tokenize, type Token } from "./cql-lexer.js";
import { freeze, nativeTypeByName, type CqlType } from "./cql-types.js";

/** Cassandra's reserved keywords: they cannot be used as unquoted identifiers. */
const RESERVED = new Set([
  "add", "allow", "alter", "and", "apply", "asc", "authorize", "batch", "begin", "by", "columnfamily", "create",
  "delete", "desc", "describe", "drop", "entries", "execute", "from", "full", "grant", "if", "in", "index",
  "infinity", "insert", "into", "keyspace", "limit", "modify", "nan", "norecursive", "not", "null", "of", "on",
  "or", "order", "primary", "rename", "replace", "revoke", "schema", "select", "set", "table", "to", "token",
  "truncate", "unlogged", "update", "use", "using", "view", "where", "with",
]);

/**
 * Parses one CQL statement (an optional trailing `;` is accepted).
 *
 * @example
 * const parsed = parseCql("SELECT * FROM ks.t WHERE id = ?");
 * parsed.markerCount; // 1
 */
export function parseCql(query: string): ParsedStatement {
  const parser = new Parser(query);
  const statement = parser.parseStatement();
  parser.acceptPunct(";");
  parser.expectEof();
  return { statement, markerCount: parser.markerCount, query };
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  markerCount = 0;
  private namedMarkers = new Map<string, number>();

  constructor(private readonly query: string) {
    this.tokens = tokenize(query);
  }

  // ---- token helpers -----------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== "eof") this.pos++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === "ident" && t.text.toLowerCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (this.isKeyword(word)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail(`K_${word.toUpperCase()}`);
  }

  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === "punct" && t.text === p;
  }

  acceptPunct(p: string): boolean {
    if (this.isPunct(p)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(`'${p}'`);
  }

  expectEof(): void {
    if (this.peek().type !== "eof") this.fail("EOF", "extraneous input");
  }

  private fail(expecting?: string, kind = "mismatched input"): never {
    const t = this.peek();
    const shown = t.type === "string" ? `'${t.text}'` : t.text;
    const context = this.context(t);
    if (expecting === undefined) {
      throw syntaxError(`line ${t.line}:${t.column} no viable alternative at input '${shown}' (${context})`);
    }
    const suffix = kind === "extraneous input" ? `expecting ${expecting}` : `expecting ${expecting}`;
    throw syntaxError(`line ${t.line}:${t.column} ${kind} '${shown}' ${suffix} (${context})`);
  }

  private context(t: Token): string {
    const lines = this.query.split("\n");
    let offset = 0;
    for (let l = 1; l < t.line; l++) offset += (lines[l - 1]?.length ?? 0) + 1;
    offset += t.column;
    const before = this.query.slice(Math.max(0, offset - 20), offset);
    const at = t.type === "eof" ? "" : this.query.slice(offset, offset + t.text.length + (t.type === "string" ? 2 : 0));
    return `${before}[${at}]...`;
  }

  /** An identifier: unquoted ones are lower-cased and may not be reserved words. */
  private identifier(what = "IDENT"): string {
    const t = this.peek();
    if (t.type === "qident") {
      this.pos++;
      return t.text;
    }
    if (t.type === "ident" && !RESERVED.has(t.text.toLowerCase())) {
      this.pos++;
      return t.text.toLowerCase();
    }
    return this.fail(what);
  }

  private qualifiedName(): QualifiedName {
    const first = this.identifier();
    if (this.acceptPunct(".")) return { keyspace: first, name: this.identifier() };
    return { name: first };
  }

  // ---- statements --------------------------------------------------------

  parseStatement(): Statement {
    const t = this.peek();
    const word = t.type === "ident" ? t.text.toLowerCase() : "";
    switch (word) {
      case "select":
        return this.select();
      case "insert":
        return this.insert();
      case "update":
        return this.update();
      case "delete":
        return this.delete();
      case "begin":
        return this.batch();
      case "create":
        return this.create();
      case "drop":
        return this.drop();
      case "alter":
        return this.alter();
      case "truncate":
        this.next();
        this.acceptKeyword("table") || this.acceptKeyword("columnfamily");
        return { type: "truncate", table: this.qualifiedName() };
      case "use":
        this.next();
        return { type: "use", keyspace: this.identifier() };
      default:
        return this.fail();
    }
  }

  private create(): Statement {
    this.expectKeyword("create");
    if (this.acceptKeyword("keyspace") || this.acceptKeyword("schema")) return this.createKeyspace();
    if (this.acceptKeyword("table") || this.acceptKeyword("columnfamily")) return this.createTable();
    return this.fail();
  }

  private ifNotExists(): boolean {
    if (!this.acceptKeyword("if")) return false;
    this.expectKeyword("not");
    this.expectKeyword("exists");
    return true;
  }

  private ifExistsClause(): boolean {
    if (!this.isKeyword("if") || !this.isKeyword("exists", 1)) return false;
    this.pos += 2;
    return true;
  }

  private createKeyspace(): CreateKeyspaceStatement {
    const ifNotExists = this.ifNotExists();
    const keyspace = this.identifier();
    this.expectKeyword("with");
    const options = this.properties();
    return { type: "createKeyspace", ifNotExists, keyspace, options };
  }

  private properties(): Record<string, OptionValue> {
    const out: Record<string, OptionValue> = {};
    do {
      const name = this.identifier();
      this.expectPunct("=");
      if (Object.prototype.hasOwnProperty.call(out, name)) throw syntaxError(`Multiple definition for property ${name}`);
      out[name] = this.propertyValue();
    } while (this.acceptKeyword("and"));
    return out;
  }

  private propertyValue(): OptionValue {
    if (this.acceptPunct("{")) {
      const map: Record<string, string> = {};
      if (!this.acceptPunct("}")) {
        do {
          const key = this.constantText();
          this.expectPunct(":");
          map[key] = this.constantText();
        } while (this.acceptPunct(","));
        this.expectPunct("}");
      }
      return map;
    }
    const t = this.peek();
    if (t.type === "integer" || t.type === "float") {
      this.pos++;
      return Number(t.text);
    }
    if (t.type === "ident" && (t.text.toLowerCase() === "true" || t.text.toLowerCase() === "false")) {
      this.pos++;
      return t.text.toLowerCase() === "true";
    }
    return this.constantText();
  }

  private constantText(): string {
    const t = this.peek();
    if (t.type === "string" || t.type === "integer" || t.type === "float" || t.type === "ident" || t.type === "uuid") {
      this.pos++;
      return t.type === "ident" ? t.text.toLowerCase() : t.text;
    }
    return this.fail("constant");
  }

  private createTable(): CreateTableStatement {
    const ifNotExists = this.ifNotExists();
    const table = this.qualifiedName();
    this.expectPunct("(");
    const columns: ColumnDefinition[] = [];
    let partitionKey: string[] | undefined;
    let clustering: string[] = [];
    do {
      if (this.isKeyword("primary")) {
        this.next();
        this.expectKeyword("key");
        if (partitionKey) throw invalid("Multiple PRIMARY KEYs specified (exactly one required)");
        this.expectPunct("(");
        if (this.acceptPunct("(")) {
          partitionKey = [this.identifier()];
          while (this.acceptPunct(",")) partitionKey.push(this.identifier());
          this.expectPunct(")");
        } else {
          partitionKey = [this.identifier()];
        }
        clustering = [];
        while (this.acceptPunct(",")) clustering.push(this.identifier());
        this.expectPunct(")");
        continue;
      }
      const name = this.identifier();
      const type = this.type();
      const isStatic = this.acceptKeyword("static");
      if (this.isKeyword("primary")) {
        this.next();
        this.expectKeyword("key");
        if (partitionKey) throw invalid("Multiple PRIMARY KEYs specified (exactly one required)");
        partitionKey = [name];
      }
      columns.push({ name, type, isStatic });
    } while (this.acceptPunct(","));
    this.expectPunct(")");
    const clusteringOrder: CreateTableStatement["clusteringOrder"] = [];
    let options: Record<string, OptionValue> = {};
    if (this.acceptKeyword("with")) {
      const rest: Record<string, OptionValue> = {};
      do {
        if (this.isKeyword("clustering")) {
          this.next();
          this.expectKeyword("order");
          this.expectKeyword("by");
          this.expectPunct("(");
          do {
            const column = this.identifier();
            let descending = false;
            if (this.acceptKeyword("desc")) descending = true;
            else this.acceptKeyword("asc");
            clusteringOrder.push({ column, descending });
          } while (this.acceptPunct(","));
          this.expectPunct(")");
        } else if (this.isKeyword("compact")) {
          throw invalid("COMPACT STORAGE tables are not supported");
        } else {
          const name = this.identifier();
          this.expectPunct("=");
          rest[name] = this.propertyValue();
        }
      } while (this.acceptKeyword("and"));
      options = rest;
    }
    if (!partitionKey) throw invalid("No PRIMARY KEY specifed for table '" + table.name + "' (exactly one required)");
    return { type: "createTable", ifNotExists, table, columns, partitionKey, clustering, clusteringOrder, options };
  }

  /** A CQL type: native names, list/set/map and frozen<...>. */
  private type(): CqlType {
    const t = this.peek();
    if (t.type !== "ident") return this.fail("a type");
    const name = t.text.toLowerCase();
    this.pos++;
    if (name === "frozen") {
      this.expectPunct("<");
      const inner = this.type();
      this.expectPunct(">");
      if (inner.kind === "native") throw invalid(`frozen<> is only allowed on collections, tuples, and user-defined types (got ${inner.name})`);
      return freeze(inner);
    }
    if (name === "list" || name === "set") {
      this.expectPunct("<");
      const element = this.type();
      this.expectPunct(">");
      return { kind: name, element, frozen: false };
    }
    if (name === "map") {
      this.expectPunct("<");
      const key = this.type();
      this.expectPunct(",");
      const value = this.type();
      this.expectPunct(">");
      return { kind: "map", key, value, frozen: false };
    }
    const native = nativeTypeByName(name);
    if (!native) throw invalid(`Unknown type ${name}`);
    return native;
  }

  private alter(): Statement {
    this.expectKeyword("alter");
    if (!this.acceptKeyword("table") && !this.acceptKeyword("columnfamily")) {
      throw invalid(`ALTER ${this.peek().text.toUpperCase()} is not supported by this server`);
    }
    const table = this.qualifiedName();
    if (this.acceptKeyword("add")) {
      const columns: ColumnDefinition[] = [];
      const one = () => {
        const name = this.identifier();
        const type = this.type();
        columns.push({ name, type, isStatic: this.acceptKeyword("static") });
      };
      if (this.acceptPunct("(")) {
        do one();
        while (this.acceptPunct(","));
        this.expectPunct(")");
      } else {
        one();
      }
      return { type: "alterTable", table, action: { kind: "add", columns } };
    }
    if (this.acceptKeyword("drop")) {
      const columns: string[] = [];
      if (this.acceptPunct("(")) {
        do columns.push(this.identifier());
        while (this.acceptPunct(","));
        this.expectPunct(")");
      } else {
        columns.push(this.identifier());
      }
      return { type: "alterTable", table, action: { kind: "drop", columns } };
    }
    if (this.acceptKeyword("with")) return { type: "alterTable", table, action: { kind: "with", options: this.properties() } };
    if (this.isKeyword("rename") || this.isKeyword("alter")) throw invalid(`ALTER TABLE ${this.peek().text.toUpperCase()} is not supported by this server`);
    return this.fail("K_ADD, K_DROP or K_WITH");
  }

  private drop(): Statement {
    this.expectKeyword("drop");
    if (this.acceptKeyword("keyspace") || this.acceptKeyword("schema")) {
      const ifExists = this.ifExistsClause();
      return { type: "dropKeyspace", ifExists, table: { name: this.identifier() } };
    }
    if (this.acceptKeyword("table") || this.acceptKeyword("columnfamily")) {
      const ifExists = this.ifExistsClause();
      return { type: "dropTable", ifExists, table: this.qualifiedName() };
    }
    return this.fail();
  }

  // ---- terms -------------------------------------------------------------

  private marker(): Term {
    const t = this.next();
    if (t.type === "namedMarker") {
      const existing = this.namedMarkers.get(t.text);
      if (existing !== undefined) return { kind: "marker", index: existing, name: t.text };
      const index = this.markerCount++;
      this.namedMarkers.set(t.text, index);
      return { kind: "marker", index, name: t.text };
    }
    return { kind: "marker", index: this.markerCount++ };
  }

  private term(): Term {
    const t = this.peek();
    switch (t.type) {
      case "marker":
      case "namedMarker":
        return this.marker();
      case "string":
        this.pos++;
        return { kind: "literal", literal: "STRING", text: t.text };
      case "integer":
        this.pos++;
        return { kind: "literal", literal: "INTEGER", text: t.text };
      case "float":
        this.pos++;
        return { kind: "literal", literal: "FLOAT", text: t.text };
      case "uuid":
        this.pos++;
        return { kind: "literal", literal: "UUID", text: t.text };
      case "hex":
        this.pos++;
        return { kind: "literal", literal: "HEX", text: t.text };
      case "punct":
        if (t.text === "[") return this.listLiteral();
        if (t.text === "{") return this.braceLiteral();
        if (t.text === "-" && this.peek(1).type === "ident" && ["nan", "infinity"].includes(this.peek(1).text.toLowerCase())) {
          this.pos += 2;
          return { kind: "literal", literal: "FLOAT", text: "-Infinity" };
        }
        return this.fail();
      case "ident": {
        const lower = t.text.toLowerCase();
        if (lower === "true" || lower === "false") {
          this.pos++;
          return { kind: "literal", literal: "BOOLEAN", text: lower };
        }
        if (lower === "null") {
          this.pos++;
          return { kind: "literal", literal: "NULL", text: "null" };
        }
        if (lower === "nan" || lower === "infinity") {
          this.pos++;
          return { kind: "literal", literal: "FLOAT", text: lower === "nan" ? "NaN" : "Infinity" };
        }
        if (this.isPunct("(", 1)) {
          this.pos += 2;
          const args: Term[] = [];
          if (!this.acceptPunct(")")) {
            do args.push(this.term());
            while (this.acceptPunct(","));
            this.expectPunct(")");
          }
          return { kind: "function", name: lower, args };
        }
        return this.fail();
      }
      default:
        return this.fail();
    }
  }

  private listLiteral(): Term {
    this.expectPunct("[");
    const items: Term[] = [];
    if (!this.acceptPunct("]")) {
      do items.push(this.term());
      while (this.acceptPunct(","));
      this.expectPunct("]");
    }
    return { kind: "list", items };
  }

  private braceLiteral(): Term {
    this.expectPunct("{");
    if (this.acceptPunct("}")) return { kind: "map", entries: [] };
    const first = this.term();
    if (this.acceptPunct(":")) {
      const entries: Array<[Term, Term]> = [[first, this.term()]];
      while (this.acceptPunct(",")) {
        const k = this.term();
        this.expectPunct(":");
        entries.push([k, this.term()]);
      }
      this.expectPunct("}");
      return { kind: "map", entries };
    }
    const items = [first];
    while (this.acceptPunct(",")) items.push(this.term());
    this.expectPunct("}");
    return { kind: "set", items };
  }

  // ---- DML ---------------------------------------------------------------

  private using(into: UsingClause, allowTtl = true): void {
    if (!this.acceptKeyword("using")) return;
    do {
      if (allowTtl && this.acceptKeyword("ttl")) {
        if (into.ttl) throw invalid("a TTL may only be specified once");
        into.ttl = this.term();
      } else if (this.acceptKeyword("timestamp")) {
        if (into.timestamp) throw invalid("a timestamp may only be specified once");
        into.timestamp = this.term();
      } else {
        this.fail(allowTtl ? "K_TTL or K_TIMESTAMP" : "K_TIMESTAMP");
      }
    } while (this.acceptKeyword("and"));
  }

  private insert(): InsertStatement {
    this.expectKeyword("insert");
    this.expectKeyword("into");
    const table = this.qualifiedName();
    if (this.isKeyword("json")) throw invalid("INSERT JSON is not supported by this server");
    this.expectPunct("(");
    const columns = [this.identifier()];
    while (this.acceptPunct(",")) columns.push(this.identifier());
    this.expectPunct(")");
    this.expectKeyword("values");
    this.expectPunct("(");
    const values = [this.term()];
    while (this.acceptPunct(",")) values.push(this.term());
    this.expectPunct(")");
    const ifNotExists = this.ifNotExists();
    const using: UsingClause = {};
    this.using(using);
    return { type: "insert", table, columns, values, ifNotExists, using };
  }

  private update(): UpdateStatement {
    this.expectKeyword("update");
    const table = this.qualifiedName();
    const using: UsingClause = {};
    this.using(using);
    this.expectKeyword("set");
    const assignments: Assignment[] = [];
    do assignments.push(this.assignment());
    while (this.acceptPunct(","));
    const where = this.where();
    const { ifExists, conditions } = this.conditions();
    return { type: "update", table, using, assignments, where, ifExists, conditions };
  }

  private assignment(): Assignment {
    const column = this.identifier();
    if (this.acceptPunct("[")) {
      const key = this.term();
      this.expectPunct("]");
      this.expectPunct("=");
      return { kind: "setElement", column, key, value: this.term() };
    }
    this.expectPunct("=");
    const t = this.peek();
    const isSelf = (t.type === "ident" && t.text.toLowerCase() === column) || (t.type === "qident" && t.text === column);
    if (isSelf && (this.isPunct("+", 1) || this.isPunct("-", 1))) {
      this.pos++;
      const op = this.next().text;
      return { kind: op === "+" ? "append" : "remove", column, value: this.term() };
    }
    const value = this.term();
    if (this.acceptPunct("+")) {
      const other = this.identifier();
      if (other !== column) throw invalid(`Only expressions of the form X = <value> + X are supported.`);
      return { kind: "prepend", column, value };
    }
    return { kind: "set", column, value };
  }

  private delete(): DeleteStatement {
    this.expectKeyword("delete");
    const columns: string[] = [];
    if (!this.isKeyword("from")) {
      do {
        columns.push(this.identifier());
        if (this.isPunct("[")) throw invalid("Deleting collection elements is not supported by this server");
      } while (this.acceptPunct(","));
    }
    this.expectKeyword("from");
    const table = this.qualifiedName();
    const using: UsingClause = {};
    this.using(using, false);
    const where = this.where();
    const { ifExists, conditions } = this.conditions();
    return { type: "delete", table, columns, using, where, ifExists, conditions };
  }

  private conditions(): { ifExists: boolean; conditions: Condition[] } {
    if (!this.isKeyword("if")) return { ifExists: false, conditions: [] };
    if (this.ifExistsClause()) return { ifExists: true, conditions: [] };
    this.expectKeyword("if");
    const conditions: Condition[] = [];
    do {
      const column = this.identifier();
      if (this.acceptKeyword("in")) {
        conditions.push({ kind: "in", column, values: this.inValues() });
      } else {
        conditions.push({ kind: "compare", column, op: this.operator(), value: this.term() });
      }
    } while (this.acceptKeyword("and"));
    return { ifExists: false, conditions };
  }

  private operator(): Operator {
    const t = this.peek();
    if (t.type === "punct" && ["=", "!=", "<", "<=", ">", ">="].includes(t.text)) {
      this.pos++;
      return t.text as Operator;
    }
    return this.fail("operator");
  }

  private inValues(): Term[] | Term {
    if (this.peek().type === "marker" || this.peek().type === "namedMarker") return this.marker();
    this.expectPunct("(");
    const values: Term[] = [];
    if (!this.acceptPunct(")")) {
      do values.push(this.term());
      while (this.acceptPunct(","));
      this.expectPunct(")");
    }
    return values;
  }

  private where(): Relation[] {
    this.expectKeyword("where");
    return this.relations();
  }

  private relations(): Relation[] {
    const out: Relation[] = [];
    do {
      if (this.isPunct("(")) throw invalid("Multi-column relations are not supported by this server");
      if (this.isKeyword("token") && this.isPunct("(", 1)) {
        const columns = this.tokenArguments();
        out.push({ kind: "token", columns, op: this.operator(), value: this.term() });
        continue;
      }
      const column = this.identifier();
      if (this.acceptKeyword("is")) {
        this.expectKeyword("not");
        this.expectKeyword("null");
        out.push({ kind: "isNotNull", column });
      } else if (this.acceptKeyword("in")) {
        out.push({ kind: "in", column, values: this.inValues() });
      } else if (this.acceptKeyword("contains")) {
        const key = this.acceptKeyword("key");
        out.push({ kind: "contains", column, key, value: this.term() });
      } else {
        out.push({ kind: "compare", column, op: this.operator(), value: this.term() });
      }
    } while (this.acceptKeyword("and"));
    return out;
  }

  /** `token(a, b)`: the column list of a token() call. */
  private tokenArguments(): string[] {
    this.pos += 2;
    const columns = [this.identifier()];
    while (this.acceptPunct(",")) columns.push(this.identifier());
    this.expectPunct(")");
    return columns;
  }

  private select(): SelectStatement {
    this.expectKeyword("select");
    if (this.isKeyword("json") || this.isKeyword("distinct")) {
      throw invalid(`SELECT ${this.peek().text.toUpperCase()} is not supported by this server`);
    }
    let selectors: Selector[] | "*";
    if (this.acceptPunct("*")) {
      selectors = "*";
    } else {
      selectors = [];
      do selectors.push(this.selector());
      while (this.acceptPunct(","));
    }
    this.expectKeyword("from");
    const table = this.qualifiedName();
    const where = this.acceptKeyword("where") ? this.relations() : [];
    const orderBy: SelectStatement["orderBy"] = [];
    if (this.acceptKeyword("order")) {
      this.expectKeyword("by");
      do {
        const column = this.identifier();
        let descending = false;
        if (this.acceptKeyword("desc")) descending = true;
        else this.acceptKeyword("asc");
        orderBy.push({ column, descending });
      } while (this.acceptPunct(","));
    }
    if (this.isKeyword("per")) throw invalid("PER PARTITION LIMIT is not supported by this server");
    let limit: Term | undefined;
    if (this.acceptKeyword("limit")) {
      const t = this.peek();
      if (t.type === "marker" || t.type === "namedMarker") limit = this.marker();
      else if (t.type === "integer") limit = this.term();
      else this.fail("INTEGER");
    }
    let allowFiltering = false;
    if (this.acceptKeyword("allow")) {
      this.expectKeyword("filtering");
      allowFiltering = true;
    }
    return { type: "select", table, selectors, where, orderBy, ...(limit ? { limit } : {}), allowFiltering };
  }

  private selector(): Selector {
    let selector: Selector;
    const t = this.peek();
    const lower = t.type === "ident" ? t.text.toLowerCase() : "";
    if ((lower === "writetime" || lower === "ttl") && this.isPunct("(", 1)) {
      this.pos += 2;
      const column = this.identifier();
      this.expectPunct(")");
      selector = { kind: lower, column };
    } else if (lower === "token" && this.isPunct("(", 1)) {
      selector = { kind: "token", columns: this.tokenArguments() };
    } else if (lower === "count" && this.isPunct("(", 1)) {
      this.pos += 2;
      if (!this.acceptPunct("*")) {
        const arg = this.peek();
        if (arg.type === "integer" && arg.text === "1") this.pos++;
        else throw invalid("Only COUNT(*) and COUNT(1) are supported by this server");
      }
      this.expectPunct(")");
      selector = { kind: "count" };
    } else if (this.isFunctionCall()) {
      selector = this.functionSelector();
    } else {
      selector = { kind: "column", column: this.identifier() };
    }
    if (this.acceptKeyword("as")) selector.alias = this.identifier();
    return selector;
  }

  /** True when the next tokens start `name(` or `keyspace.name(`. */
  private isFunctionCall(): boolean {
    const isName = (offset: number) => {
      const t = this.peek(offset);
      return t.type === "qident" || t.type === "ident";
    };
    if (!isName(0)) return false;
    if (this.isPunct("(", 1)) return true;
    return this.isPunct(".", 1) && isName(2) && this.isPunct("(", 3);
  }

  /** `[keyspace.]name(arg, ...)` in a select clause; the name is resolved when the statement is analysed. */
  private functionSelector(): { kind: "function"; name: string; args: SelectorArgument[] } {
    let name = this.functionNamePart();
    if (this.acceptPunct(".")) name = `${name}.${this.functionNamePart()}`;
    this.expectPunct("(");
    const args: SelectorArgument[] = [];
    if (!this.acceptPunct(")")) {
      do args.push(this.selectorArgument());
      while (this.acceptPunct(","));
      this.expectPunct(")");
    }
    return { kind: "function", name, args };
  }

  private functionNamePart(): string {
    const t = this.peek();
    if (t.type === "ident" && ["token", "count"].includes(t.text.toLowerCase())) {
      this.pos++;
      return t.text.toLowerCase();
    }
    return this.identifier();
  }

  private selectorArgument(): SelectorArgument {
    if (this.isFunctionCall()) return this.functionSelector();
    const t = this.peek();
    const literalWords = ["true", "false", "null", "nan", "infinity"];
    if (t.type === "qident" || (t.type === "ident" && !literalWords.includes(t.text.toLowerCase()))) {
      return { kind: "column", column: this.identifier() };
    }
    return { kind: "term", term: this.term() };
  }

  private batch(): BatchStatement {
    this.expectKeyword("begin");
    let batchType: BatchStatement["batchType"] = "logged";
    if (this.acceptKeyword("unlogged")) batchType = "unlogged";
    else if (this.acceptKeyword("counter")) batchType = "counter";
    this.expectKeyword("batch");
    const using: UsingClause = {};
    this.using(using, false);
    const statements: ModificationStatement[] = [];
    while (!this.isKeyword("apply")) {
      if (this.isKeyword("insert")) statements.push(this.insert());
      else if (this.isKeyword("update")) statements.push(this.update());
      else if (this.isKeyword("delete")) statements.push(this.delete());
      else this.fail("K_INSERT, K_UPDATE, K_DELETE or K_APPLY");
      this.acceptPunct(";");
    }
    this.expectKeyword("apply");
    this.expectKeyword("batch");
    return { type: "batch", batchType, using, statements };
  }
}
