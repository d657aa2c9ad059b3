/**
 * Errors of the generator itself (bad config, unsafe output folder, a stores
 * factory that fails), as opposed to `E_DEFINITION` errors of the entity
 * declarations and the `E_*` errors of the stores.
 */
export class CodegenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodegenError";
  }
}
