/**
 * The AWS SDK side of the DynamoDB adapter (`@aws-sdk/lib-dynamodb`): the
 * only module that imports the SDK. It turns a document client (the
 * caller's, or one made from a connection config) into a
 * {@link DynamoDbPort}, one command per method.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClientConfig,
  type UpdateTableCommandInput,
  type UpdateTimeToLiveCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandInput,
  type BatchWriteCommandInput,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type ScanCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { DynamoDbAdapter, type DynamoDbAdapterSettings } from "./dynamodb-adapter.js";
import type { DynamoDbPort, PortRequestOptions } from "./dynamodb-port.js";

/** Where to connect when the adapter creates its own client. */
export interface DynamoDbConnectionConfig {
  /** e.g. `http://127.0.0.1:8000` for DynamoDB Local / dynalite; the AWS endpoint of `region` when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
  credentials?: DynamoDBClientConfig["credentials"];
  /** SDK attempts per request (SDK default 3). */
  maxAttempts?: number | undefined;
}

/** Options of {@link createDynamoDbAdapter}. */
export interface DynamoDbAdapterOptions extends DynamoDbAdapterSettings {
  /**
   * A document client to use as is (the caller keeps ownership), or where to
   * connect (the adapter creates a client and destroys it on `close()`).
   * Default: a client configured from the environment.
   */
  client?: DynamoDBDocumentClient | DynamoDbConnectionConfig | undefined;
}

/**
 * Creates a DynamoDB adapter on the AWS SDK.
 *
 * @example
 * const dynamodb = createDynamoDbAdapter({ client: { endpoint: "http://127.0.0.1:8000", region: "local" }, tablePrefix: "dev_" });
 * const repos = createRepositories({ stores: { dynamodb } });
 */
export function createDynamoDbAdapter(options: DynamoDbAdapterOptions = {}): DynamoDbAdapter<DynamoDBDocumentClient> {
  const { client, ...settings } = options;
  // Duck-typed rather than instanceof, so a client from another copy of the SDK is accepted.
  const given = typeof (client as { send?: unknown } | undefined)?.send === "function";
  const documentClient = given ? (client as DynamoDBDocumentClient) : ownClient((client ?? {}) as DynamoDbConnectionConfig);
  return new DynamoDbAdapter(sdkDynamoDbPort(documentClient, !given), settings, documentClient);
}

/** The port of a document client; `destroy()` destroys the client when `owned`. */
export function sdkDynamoDbPort(documentClient: DynamoDBDocumentClient, owned: boolean): DynamoDbPort {
  const send = documentClient.send.bind(documentClient) as (command: unknown, options?: PortRequestOptions) => Promise<never>;
  return {
    // The hottest path: no options object when there is no signal, as a hand-written GetCommand sends it.
    getItem: (input, options) => (options?.abortSignal ? send(new GetCommand(input as GetCommandInput), options) : send(new GetCommand(input as GetCommandInput))),
    putItem: (input, options) => send(new PutCommand(input as PutCommandInput), options),
    updateItem: (input, options) => send(new UpdateCommand(input as UpdateCommandInput), options),
    deleteItem: (input, options) => send(new DeleteCommand(input as DeleteCommandInput), options),
    query: (input, options) => send(new QueryCommand(input as QueryCommandInput), options),
    scan: (input, options) => send(new ScanCommand(input as ScanCommandInput), options),
    batchGetItem: (input, options) => send(new BatchGetCommand(input as BatchGetCommandInput), options),
    batchWriteItem: (input, options) => send(new BatchWriteCommand(input as BatchWriteCommandInput), options),
    transactWriteItems: (input, options) => send(new TransactWriteCommand(input as TransactWriteCommandInput), options),
    describeTable: (input) => send(new DescribeTableCommand(input)),
    createTable: (input) => send(new CreateTableCommand(input as CreateTableCommandInput)),
    updateTable: (input) => send(new UpdateTableCommand(input as UpdateTableCommandInput)),
    describeTimeToLive: (input) => send(new DescribeTimeToLiveCommand(input)),
    updateTimeToLive: (input) => send(new UpdateTimeToLiveCommand(input as UpdateTimeToLiveCommandInput)),
    destroy: () => {
      if (owned) documentClient.destroy();
    },
  };
}

function ownClient(config: DynamoDbConnectionConfig): DynamoDBDocumentClient {
  const clientConfig: DynamoDBClientConfig = {};
  if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint;
  if (config.region !== undefined) clientConfig.region = config.region;
  if (config.credentials !== undefined) clientConfig.credentials = config.credentials;
  if (config.maxAttempts !== undefined) clientConfig.maxAttempts = config.maxAttempts;
  // Numbers come back as their decimal text and are converted by field type (exact for bigint).
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), {
    marshallOptions: { removeUndefinedValues: true, allowImpreciseNumbers: true },
    unmarshallOptions: { wrapNumbers: (text: string) => text },
  });
}
