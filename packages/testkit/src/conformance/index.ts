export { storeConformance, expectPolyxenaError, type ConformanceTarget } from "./store-conformance.js";
export { conformanceEntity, conformanceItemSchema, type ConformanceItem } from "./conformance-entities.js";
export { uniqueConformance, uniqueAccountEntity, uniqueAccountSchema, EMAIL_CONSTRAINT, HANDLE_CONSTRAINT, type UniqueAccount } from "./unique-conformance.js";
