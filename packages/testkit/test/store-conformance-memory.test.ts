import { registerConformance } from "./helpers/register-conformance.js";

// Every store's memory twin: the shared suite and the store's extras, unchanged from the real adapters' file.
registerConformance("memory");
