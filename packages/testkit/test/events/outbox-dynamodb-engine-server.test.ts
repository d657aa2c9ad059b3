import { createDynamoDbAdapter } from "@polyxena/adapters/dynamodb";
import { createMemoryElasticsearchAdapter, createMemoryPostgresAdapter } from "@polyxena/memory";
import { startDynamoDbEngineServer } from "../../src/index.js";
import { outboxSuite } from "./outbox-suite.js";

// The DynamoDB outbox through the AWS SDK: the real adapter records each event in the write's
// TransactWriteItems on the DynamoDB engine server (dynalite has no transactions).
outboxSuite(
  "dynamodb engine server",
  async () => {
    const server = await startDynamoDbEngineServer();
    const dynamodb = createDynamoDbAdapter({ client: { endpoint: server.endpoint, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" } } });
    return {
      postgres: createMemoryPostgresAdapter(),
      elasticsearch: createMemoryElasticsearchAdapter(),
      dynamodb,
      close: async () => {
        await dynamodb.close();
        await server.close();
      },
    };
  },
  { source: "dynamodb", historySeeds: [1337], checkerCases: false },
);
