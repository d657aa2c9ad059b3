/** The DynamoDB-compatible test server (JSON 1.0 over HTTP) over the in-process DynamoDB, with transactions. */
export { startDynamoDbEngineServer } from "./dynamodb-engine-server.js";
export type { DynamoDbEngineServer, DynamoDbEngineServerOptions } from "./dynamodb-engine-server.js";
export { InProcessDynamoDb } from "@polyxena/memory";
