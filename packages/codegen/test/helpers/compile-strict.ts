import ts from "typescript";

/** The strictest options generated code must compile under. */
export const STRICT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  exactOptionalPropertyTypes: true,
  noFallthroughCasesInSwitch: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
};

/** One diagnostic, flattened for assertions. */
export interface CompileDiagnostic {
  file: string | undefined;
  line: number | undefined;
  code: number;
  message: string;
}

/**
 * Type-checks `rootNames` (and everything they import) with
 * {@link STRICT_OPTIONS}; returns the diagnostics of files accepted by `owns`.
 */
export function compileStrict(rootNames: readonly string[], owns: (file: string) => boolean): CompileDiagnostic[] {
  const program = ts.createProgram({ rootNames: [...rootNames], options: STRICT_OPTIONS });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || owns(d.file.fileName))
    .map((d) => ({
      file: d.file?.fileName,
      line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : undefined,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    }));
}
