import { syntaxError } from "./cql-error.js";

/** A lexical token of CQL. */
export interface Token {
  type: "ident" | "qident" | "string" | "integer" | "float" | "uuid" | "hex" | "punct" | "marker" | "namedMarker" | "eof";
  /** Identifier text as written (unquoted ones are not yet lower-cased), literal text, or punctuation. */
  text: string;
  line: number;
  column: number;
}

const UUID_AT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const NUMBER_AT = /^-?(\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/;
const PUNCT = ["<=", ">=", "!=", "(", ")", ",", ";", ".", "*", "=", "<", ">", "[", "]", "{", "}", "+", "-", ":"];

/** Splits CQL text into tokens; throws a Syntax_error on characters CQL does not accept. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const push = (type: Token["type"], value: string, start: number, startLine: number, startLineStart: number) =>
    tokens.push({ type, text: value, line: startLine, column: start - startLineStart });

  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if ((ch === "-" && text[i + 1] === "-") || (ch === "/" && text[i + 1] === "/")) {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw syntaxError(`line ${line}:${i - lineStart} unterminated comment`);
      for (let k = i; k < end; k++) if (text[k] === "\n") {
        line++;
        lineStart = k + 1;
      }
      i = end + 2;
      continue;
    }
    const start = i;
    const startLine = line;
    const startLineStart = lineStart;
    if (ch === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw syntaxError(`line ${startLine}:${start - startLineStart} unterminated string literal`);
        const c = text[i]!;
        if (c === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === "\n") {
          line++;
          lineStart = i + 1;
        }
        value += c;
        i++;
      }
      push("string", value, start, startLine, startLineStart);
      continue;
    }
    if (ch === "$" && text[i + 1] === "$") {
      const end = text.indexOf("$$", i + 2);
      if (end < 0) throw syntaxError(`line ${startLine}:${start - startLineStart} unterminated string literal`);
      push("string", text.slice(i + 2, end), start, startLine, startLineStart);
      i = end + 2;
      continue;
    }
    if (ch === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw syntaxError(`line ${startLine}:${start - startLineStart} unterminated quoted identifier`);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (value.length === 0) throw syntaxError(`line ${startLine}:${start - startLineStart} empty quoted identifier`);
      push("qident", value, start, startLine, startLineStart);
      continue;
    }
    const rest = text.slice(i, i + 64);
    const uuid = UUID_AT.exec(rest);
    if (uuid && !/[0-9a-zA-Z_]/.test(text[i + uuid[0].length] ?? "")) {
      push("uuid", uuid[0].toLowerCase(), start, startLine, startLineStart);
      i += uuid[0].length;
      continue;
    }
    if (ch === "0" && (text[i + 1] === "x" || text[i + 1] === "X")) {
      const m = /^0[xX][0-9a-fA-F]*/.exec(text.slice(i))!;
      push("hex", m[0].slice(2).toLowerCase(), start, startLine, startLineStart);
      i += m[0].length;
      continue;
    }
    const num = /[\d.-]/.test(ch) ? NUMBER_AT.exec(text.slice(i, i + 400)) : null;
    if (num && !(ch === "-" && !/[\d.]/.test(text[i + 1] ?? "")) && !(ch === "." && !/\d/.test(text[i + 1] ?? ""))) {
      const isFloat = /[.eE]/.test(num[0]);
      push(isFloat ? "float" : "integer", num[0], start, startLine, startLineStart);
      i += num[0].length;
      continue;
    }
    if (/[a-zA-Z]/.test(ch)) {
      const m = /^[a-zA-Z][a-zA-Z0-9_]*/.exec(text.slice(i))!;
      push("ident", m[0], start, startLine, startLineStart);
      i += m[0].length;
      continue;
    }
    if (ch === "?") {
      push("marker", "?", start, startLine, startLineStart);
      i++;
      continue;
    }
    if (ch === ":" && /[a-zA-Z"]/.test(text[i + 1] ?? "")) {
      i++;
      if (text[i] === '"') {
        const end = text.indexOf('"', i + 1);
        if (end < 0) throw syntaxError(`line ${startLine}:${start - startLineStart} unterminated quoted identifier`);
        push("namedMarker", text.slice(i + 1, end), start, startLine, startLineStart);
        i = end + 1;
      } else {
        const m = /^[a-zA-Z][a-zA-Z0-9_]*/.exec(text.slice(i))!;
        push("namedMarker", m[0].toLowerCase(), start, startLine, startLineStart);
        i += m[0].length;
      }
      continue;
    }
    const punct = PUNCT.find((p) => text.startsWith(p, i));
    if (punct) {
      push("punct", punct, start, startLine, startLineStart);
      i += punct.length;
      continue;
    }
    throw syntaxError(`line ${line}:${i - lineStart} token recognition error at: '${ch}'`);
  }
  tokens.push({ type: "eof", text: "<EOF>", line, column: i - lineStart });
  return tokens;
}
