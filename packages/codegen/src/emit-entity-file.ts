import { storeDialect, type EntityModel, type QueryModel } from "@polyxena/core";
import { TS_HEADER } from "./file-header.js";
import type { EntityNames, EntitySource } from "./generation-context.js";
import { toPascalCase, tsString } from "./naming.js";

/** Name of the params type of one query, e.g. `ViewingHistoryHistoryForProfileParams`. */
export function queryParamsTypeName(names: EntityNames, query: QueryModel): string {
  return `${names.type}${toPascalCase(query.name)}Params`;
}

function describeIndex(model: EntityModel, query: QueryModel): string {
  switch (query.index.kind) {
    case "primary":
      return `Served by the primary key of \`${model.table}\`.`;
    case "table":
      return `Served by the denormalized table \`${query.index.name}\`, written with the base table in a logged batch.`;
    case "gsi":
      return `Served by the global secondary index \`${query.index.name}\` (eventually consistent).`;
    case "index":
      return `Served by the index \`${query.index.name}\`.`;
    case "search":
      return `Served by term filters and sort on the \`${model.table}\` alias.`;
  }
}

function queryDoc(model: EntityModel, query: QueryModel): string[] {
  const by = query.by.length > 0 ? `by ${query.by.join(", ")}` : "over every item";
  const order = query.order.length > 0 ? `, ordered by ${query.order.map((o) => `${o.field} ${o.order}`).join(", ")}` : "";
  const lines = [`Query \`${query.name}\`: ${by}${order}.`, describeIndex(model, query)];
  if (query.rangeField) lines.push(`\`options.range\` restricts \`${query.rangeField}\`; \`options.cursor\` continues from a previous page.`);
  else lines.push("`options.cursor` continues from a previous page.");
  lines.push(`\`${query.name}.all(params)\` reads every item, one page at a time, lazily.`);
  if (query.cached) lines.push("Results are cached and invalidated on every write of this entity.");
  return lines;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? "An" : "A";
}

function docComment(lines: readonly string[], indent = ""): string {
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join("\n")}\n${indent} */\n`;
}

/** The TypeScript source of one entity's types and repository class. */
export function emitEntityFile(source: EntitySource, names: EntityNames): string {
  const model = source.definition.model;
  const searchable = storeDialect(model.store.kind).features.fullTextSearch;
  const base = searchable ? "SearchableRepository" : "Repository";
  const hasQueries = model.queries.length > 0;
  const coreTypes = hasQueries ? "type QueryMethod, " : "";
  let out = TS_HEADER;
  out += `import type { z } from "zod";\n`;
  out += `import { ${coreTypes}${base} } from "@polyxena/core";\n`;
  out += `import { ${source.exportName === names.definition ? names.definition : `${source.exportName} as ${names.definition}`} } from ${tsString(source.importPath)};\n\n`;
  out += docComment([`The declaration of ${model.name} (${model.store.kind}${model.store.name === "default" ? "" : `:${model.store.name}`}, table \`${model.table}\`).`]);
  out += `export { ${names.definition} };\n\n`;
  out += docComment([`${article(model.name)} ${model.name} as stored and returned (the schema's output type).`]);
  out += `export type ${names.type} = z.output<typeof ${names.definition}.schema>;\n\n`;
  out += docComment([`${article(model.name)} ${model.name} as accepted by \`put\` (the schema's input type).`]);
  out += `export type ${names.input} = z.input<typeof ${names.definition}.schema>;\n\n`;
  out += docComment([`The primary key of ${article(model.name).toLowerCase()} ${model.name}: ${model.key.fields.join(", ")}.`]);
  out += `export type ${names.key} = Pick<${names.type}, ${model.key.fields.map(tsString).join(" | ")}>;\n`;
  for (const query of model.queries) {
    out += "\n";
    out += docComment([`Parameters of \`${names.repository}.${query.name}\`.`]);
    if (query.by.length === 0) {
      out += `export type ${queryParamsTypeName(names, query)} = Record<string, never>;\n`;
    } else {
      out += `export interface ${queryParamsTypeName(names, query)} {\n`;
      for (const f of query.by) out += `  ${f}: ${names.type}[${tsString(f)}];\n`;
      out += "}\n";
    }
  }
  out += "\n";
  const classDoc = [
    `Typed access to ${model.name}: \`get\`, \`getMany\`, \`getOrThrow\`, \`put\`, \`update\`, \`delete\`${searchable ? ", `search`" : ""}${hasQueries ? " and its declared queries" : ""}.`,
  ];
  out += docComment(classDoc);
  out += `export class ${names.repository} extends ${base}<${names.type}, ${names.input}, ${names.key}> {\n`;
  model.queries.forEach((query, i) => {
    if (i > 0) out += "\n";
    const range = query.rangeField ? `${names.type}[${tsString(query.rangeField)}]` : "never";
    out += docComment(queryDoc(model, query), "  ");
    out += `  readonly ${query.name}: QueryMethod<${queryParamsTypeName(names, query)}, ${names.type}, ${range}> = this.queryMethod(${tsString(query.name)});\n`;
  });
  out += "}\n";
  return out;
}
