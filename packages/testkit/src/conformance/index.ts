export { storeConformance, expectPolyxenaError, type ConformanceTarget } from "./store-conformance.js";
export { conformanceEntity, conformanceItemSchema, type ConformanceItem } from "./conformance-entities.js";
