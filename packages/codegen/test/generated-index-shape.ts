/**
 * The shape the runtime test expects from a generated `index.ts` (the real
 * file lives in a temp folder the workspace tsconfig does not see).
 */
import type { EntityDefinition, Page, RepositoriesControl, RuntimeOptions, SearchOptions, SearchResult } from "@polyxena/core";

type Item = Record<string, unknown>;

interface GeneratedRepositories {
  viewingHistory: { viewersOfTitle(params: { titleId: string }, options?: { limit?: number; range?: { lt?: Date } }): Promise<Page<Item>> };
  titleDocument: { search(options?: SearchOptions<Item>): Promise<SearchResult<Item>> };
}

/** `createRepositories` as generated. */
export declare function createRepositories(options: RuntimeOptions): GeneratedRepositories & RepositoriesControl<GeneratedRepositories>;
/** `entities` as generated. */
export declare const entities: readonly EntityDefinition[];
