import type { IncomingMessage, ServerResponse } from "node:http";
import { SearchEngineError, malformedBulkLine } from "@polyxena/memory/search-engine";

/** Elasticsearch's default `http.max_content_length`. */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

/** Major versions accepted in `compatible-with=N` media types. */
const COMPATIBLE_VERSIONS = new Set(["8", "9"]);

/** A response to send: status, JSON body (or none for HEAD-style replies). */
export interface HttpReply {
  status: number;
  body?: unknown;
}

/** Reads a request body up to the size limit. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) reject(new SearchEngineError(413, "content_too_long", `Request content length [${size}] exceeds the limit [${MAX_BODY_BYTES}]`));
      else resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

function compatibleVersion(mediaType: string | undefined): string | undefined {
  if (!mediaType) return undefined;
  return /compatible-with\s*=\s*(\d+)/i.exec(mediaType)?.[1];
}

/**
 * Checks the Content-Type and Accept headers like Elasticsearch: unsupported content
 * types are 406, and a `compatible-with` version other than 8 or 9 is 400.
 */
export function checkMediaTypes(req: IncomingMessage, hasBody: boolean): void {
  const contentType = req.headers["content-type"];
  const accept = req.headers.accept;
  for (const value of [contentType, accept]) {
    const version = compatibleVersion(value);
    if (version !== undefined && !COMPATIBLE_VERSIONS.has(version)) {
      throw new SearchEngineError(400, "media_type_header_exception", "Invalid media-type value on headers [Accept, Content-Type]", {
        causedBy: {
          type: "status_exception",
          reason: `A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=${String(accept)}, Content-Type=${String(contentType)}`,
        },
      });
    }
  }
  if (hasBody && contentType !== undefined && !/json|ndjson/i.test(contentType)) {
    throw new SearchEngineError(406, "content_type_not_supported", `Content-Type header [${contentType}] is not supported`, {
      body: { error: `Content-Type header [${contentType}] is not supported`, status: 406 },
    });
  }
}

/** Parses a JSON request body; malformed JSON is an `x_content_parse_exception` (400). */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SearchEngineError(400, "x_content_parse_exception", `[1:1] ${(e as Error).message}`);
  }
}

/** Parses an NDJSON (`_bulk`) body into its lines; a malformed line fails the whole request. */
export function parseNdjsonBody(raw: Buffer): unknown[] {
  const text = raw.toString("utf8");
  if (text.length > 0 && !text.endsWith("\n")) {
    throw new SearchEngineError(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
  }
  const out: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      // Whether it fails the request (an action line) or one item (a document line) is the engine's call.
      const reason = (e as Error).message;
      out.push(malformedBulkLine(i + 1, reason, /end of (JSON )?input/i.test(reason)));
    }
  }
  if (out.length === 0) throw new SearchEngineError(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
  return out;
}

/** Writes a reply with the headers the official client checks (product header, vendored content type). */
export function sendReply(req: IncomingMessage, res: ServerResponse, reply: HttpReply): void {
  const accept = req.headers.accept ?? "";
  const compat = compatibleVersion(accept) ?? compatibleVersion(req.headers["content-type"]);
  const contentType = compat !== undefined ? `application/vnd.elasticsearch+json;compatible-with=${compat}` : "application/json";
  const payload = reply.body === undefined ? "" : JSON.stringify(reply.body);
  res.statusCode = reply.status;
  res.setHeader("X-Elastic-Product", "Elasticsearch");
  res.setHeader("content-type", contentType);
  res.setHeader("content-length", Buffer.byteLength(payload));
  res.end(req.method === "HEAD" ? undefined : payload);
}
