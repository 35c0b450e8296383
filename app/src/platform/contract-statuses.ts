import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
}

/** The OTUS contract the app implements (app/contract/otus-openapi.json), read once. */
export function loadContract(): OpenApiDocument {
  const url = new URL('../../contract/otus-openapi.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as OpenApiDocument;
}

/** `GET /user/get/:id` (fastify's route spelling) → the statuses the contract lists for that operation. */
export function listedStatuses(doc: OpenApiDocument): Map<string, Set<number>> {
  const listed = new Map<string, Set<number>>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    const route = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const [method, operation] of Object.entries(operations))
      listed.set(
        `${method.toUpperCase()} ${route}`,
        new Set(Object.keys(operation.responses ?? {}).map(Number)),
      );
  }
  return listed;
}

/**
 * The status a contract operation answers instead of one its contract does not list. The body keeps the
 * error's own `code` and message, so a client still tells "no such post" (code 1004) from a malformed id.
 * - a rate limit (429) becomes 503: the contract's 5xx answer is the one with Retry-After;
 * - any other client error (404 no such post or user, 413 body too large, 415 not JSON) becomes 400,
 *   the contract's "invalid input";
 * - a server error becomes 500.
 */
export function contractStatus(listed: ReadonlySet<number>, status: number): number {
  if (status < 400 || listed.has(status)) return status;
  if (status === 429 && listed.has(503)) return 503;
  if (status < 500 && listed.has(400)) return 400;
  if (status >= 500 && listed.has(500)) return 500;
  return status;
}

/** Requests whose answer keeps its own status: a client that opted into an extension (an Idempotency-Key). */
const extensionAnswers = new WeakSet<FastifyRequest>();

/** This request's answer is an extension's (idempotency.ts: 409 still running, 422 key reused), not mapped. */
export function keepStatus(request: FastifyRequest): void {
  extensionAnswers.add(request);
}

/** Every contract operation answers only the statuses the contract lists for it; added paths are untouched. */
export function installContractStatuses(app: FastifyInstance, doc: OpenApiDocument = loadContract()): void {
  const listed = listedStatuses(doc);
  app.addHook('onSend', async (request, reply, payload) => {
    const statuses = listed.get(`${request.method} ${request.routeOptions.url}`);
    if (statuses && !extensionAnswers.has(request)) {
      const status = contractStatus(statuses, reply.statusCode);
      if (status !== reply.statusCode) reply.code(status);
    }
    return payload;
  });
}
