import { registerConformance } from "./helpers/register-conformance.js";

// Every store's real adapter on its test endpoint: the shared suite and the store's extras, unchanged from the memory twins' file.
registerConformance("real");
