import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { crc32 } from "node:zlib";
import { InProcessDynamoDb, isDynamoDbEngineError, type DynamoDbEngineError } from "@polyxena/memory";
import type { DynamoDbTestServer } from "../dynalite-server.js";
import { listenLocally } from "../listen-locally.js";
import { toAttributeMap } from "./attribute-values.js";
import { OPERATIONS, type RequestBody, type ServerState } from "./dynamodb-operations.js";

/** DynamoDB's limit on a request body. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const TARGET_PREFIX = "DynamoDB_20120810.";
const ERROR_NAMESPACE = "com.amazonaws.dynamodb.v20120810#";

/** Options of {@link startDynamoDbEngineServer}. */
export interface DynamoDbEngineServerOptions {
  /** The in-process DynamoDB to serve (default a fresh one), e.g. to look at its tables in a test. */
  engine?: InProcessDynamoDb | undefined;
  /**
   * Return the endpoint in `POLYXENA_TEST_DYNAMODB_ENDPOINT` instead of
   * starting a server when that variable is set, as `startDynamoDbTestServer`
   * does (default true). A suite that must reach this server (a cross-check
   * against another endpoint) passes false.
   */
  useEnvironment?: boolean | undefined;
  /** Clock in epoch milliseconds for CreationDateTime and the transaction token window (default `Date.now`). */
  now?: (() => number) | undefined;
}

/** A running DynamoDB engine server (or the external endpoint that replaced it). */
export interface DynamoDbEngineServer extends DynamoDbTestServer {
  /** The in-process DynamoDB behind the server; undefined for an external endpoint. */
  readonly engine: InProcessDynamoDb | undefined;
}

interface Reply {
  status: number;
  body: unknown;
}

/** DynamoDB's `__type` of an exception (an unknown operation is refused by the service framework, not by DynamoDB). */
function errorType(name: string): string {
  return name === "UnknownOperationException" ? `com.amazon.coral.service#${name}` : `${ERROR_NAMESPACE}${name}`;
}

/** An engine exception as DynamoDB sends it: `__type`, the message, and `Item` or `CancellationReasons`. */
function errorReply(error: DynamoDbEngineError): Reply {
  const type = errorType(error.name);
  // DynamoDB spells the member `Message` on TransactionCanceledException and `message` elsewhere.
  const body: Record<string, unknown> = error.name === "TransactionCanceledException" ? { __type: type, Message: error.message } : { __type: type, message: error.message };
  if (error.Item) body.Item = wireAttributeValues(error.Item);
  if (error.CancellationReasons) body.CancellationReasons = error.CancellationReasons.map((r) => (r.Item ? { ...r, Item: wireAttributeValues(r.Item) } : r));
  return { status: error.$metadata.httpStatusCode, body };
}

/** The engine reports items on exceptions as AttributeValues holding raw bytes and JS numbers; the wire wants base64 and DynamoDB's number text. */
function wireAttributeValues(item: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  const unwrap = (value: unknown): unknown => {
    const [type, inner] = Object.entries(value as Record<string, unknown>)[0]!;
    switch (type) {
      case "N":
        return Number.isSafeInteger(Number(inner)) || !/^-?\d+$/.test(String(inner)) ? Number(inner) : BigInt(String(inner));
      case "NS":
        return new Set((inner as unknown[]).map((n) => unwrap({ N: n })));
      case "SS":
        return new Set(inner as string[]);
      case "BS":
        return new Set(inner as Uint8Array[]);
      case "NULL":
        return null;
      case "L":
        return (inner as unknown[]).map(unwrap);
      case "M":
        return Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([k, v]) => [k, unwrap(v)]));
      default:
        return inner;
    }
  };
  for (const [name, value] of Object.entries(item)) plain[name] = unwrap(value);
  return toAttributeMap(plain);
}

function fail(name: string, message: string, status = 400): Reply {
  return { status, body: { __type: errorType(name), message } };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function answer(state: ServerState, req: IncomingMessage): Promise<Reply> {
  const raw = await readBody(req);
  if (req.method !== "POST") return fail("UnknownOperationException", "", 400);
  if (!req.headers.authorization) return fail("MissingAuthenticationTokenException", "Request is missing Authentication Token");
  const target = String(req.headers["x-amz-target"] ?? "");
  const operation = target.startsWith(TARGET_PREFIX) ? OPERATIONS.get(target.slice(TARGET_PREFIX.length)) : undefined;
  if (!operation) return fail("UnknownOperationException", "");
  if (raw === undefined) return fail("ValidationException", `Request size exceeded ${MAX_REQUEST_BYTES} bytes`, 413);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8") || "{}");
  } catch {
    return fail("SerializationException", "Start of structure or map found where not expected");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail("SerializationException", "Start of structure or map found where not expected");
  try {
    return { status: 200, body: await operation(state, body as RequestBody) };
  } catch (error) {
    if (isDynamoDbEngineError(error)) return errorReply(error);
    return fail("InternalServerError", `The DynamoDB test server failed: ${error instanceof Error ? error.message : String(error)}`, 500);
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const payload = Buffer.from(JSON.stringify(reply.body), "utf8");
  res.statusCode = reply.status;
  res.setHeader("content-type", "application/x-amz-json-1.0");
  res.setHeader("content-length", payload.length);
  res.setHeader("x-amzn-requestid", randomUUID());
  res.setHeader("x-amz-crc32", String(crc32(payload)));
  res.end(payload);
}

/**
 * Starts an HTTP server on 127.0.0.1 and a free port that speaks DynamoDB's
 * JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Op>`) over the
 * in-process DynamoDB of `@polyxena/memory`: the item operations, Query,
 * Scan, the batch operations, **TransactWriteItems** (which dynalite lacks),
 * and the table and TTL operations. Errors come back in DynamoDB's wire
 * shape, so the AWS SDK raises the exceptions it raises against DynamoDB
 * (`ConditionalCheckFailedException` with `Item`, `TransactionCanceledException`
 * with `CancellationReasons`, ...). This is Polyxena's engine, not AWS's:
 * see `README.md` beside this file for where it is strict and what it refuses.
 *
 * When `POLYXENA_TEST_DYNAMODB_ENDPOINT` is set, that endpoint is returned
 * instead (it must then implement transactions, as DynamoDB does), unless
 * `useEnvironment` is false.
 *
 * @example
 * const server = await startDynamoDbEngineServer();
 * const dynamodb = createDynamoDbAdapter({ client: { endpoint: server.endpoint, region: "local", credentials: { accessKeyId: "test", secretAccessKey: "test" } } });
 * // ...
 * await server.close();
 */
export async function startDynamoDbEngineServer(options: DynamoDbEngineServerOptions = {}): Promise<DynamoDbEngineServer> {
  const external = options.useEnvironment === false ? undefined : process.env.POLYXENA_TEST_DYNAMODB_ENDPOINT;
  if (external) return { endpoint: external, embedded: false, engine: undefined, close: async () => {} };

  const engine = options.engine ?? new InProcessDynamoDb();
  const state: ServerState = { engine, tables: new Map(), transactions: new Map(), now: options.now ?? Date.now };
  const server = createServer((req, res) => {
    answer(state, req).then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, fail("InternalServerError", `The DynamoDB test server failed: ${error instanceof Error ? error.message : String(error)}`, 500)),
    );
  });
  server.keepAliveTimeout = 5_000;
  const { endpoint, close } = await listenLocally(server);
  return { endpoint, embedded: true, engine, close };
}
