import { KITS } from "./helpers/store-endpoints.js";

// Faults only a store's real server shows (its own ways of killing connections), from each store's test kit.
for (const kit of KITS) kit.faults?.(kit.kind);
