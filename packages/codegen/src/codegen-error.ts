/**
 * Errors of the generator itself (bad config, unsafe output folder), as
 * opposed to `E_DEFINITION` errors of the entity declarations.
 */
export class CodegenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodegenError";
  }
}
