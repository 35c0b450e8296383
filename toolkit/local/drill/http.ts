import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import { httpRequest, StaleConnectionError } from '../../../lib/http.ts';

export interface Answer {
  status: number;
  body: string;
  /** Set when no HTTP answer came (connection refused or reset, timeout). */
  error?: string;
  /** Sent a second time: the kept-alive connection it first went out on was closed unread. */
  retried?: boolean;
}

/**
 * One HTTP call to the app through nginx. `from` picks a loopback source address: nginx passes it as
 * X-Forwarded-For, so each address is a client of its own for the app's per-address limits.
 *
 * Like browsers and curl, a request sent on a reused keep-alive connection that the server closed
 * before any byte of an answer (nginx closes its idle connections on a reload) is sent once more on a
 * fresh one, but only when sending it twice cannot apply it twice (RFC 9112 9.3.1): an idempotent
 * method, or a POST with an Idempotency-Key (the app answers a repeat with the first answer). The
 * client cannot tell "never read" from "read, ran, then the connection died", so a POST without a key
 * reports the failure. `retried` says it was sent again, so a drill can count it apart.
 */
export async function call(options: CallOptions): Promise<Answer> {
  const first = await callOnce(options);
  if (!first.staleConnection || !safeToSendAgain(options)) return withoutStaleFlag(first);
  const second = await callOnce({ ...options, agent: false });
  return {
    status: second.status,
    body: second.body,
    retried: true,
    ...(second.error ? { error: second.error } : {}),
  };
}

const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

function safeToSendAgain(options: CallOptions): boolean {
  return idempotentMethods.has(options.method ?? 'GET') || options.idempotencyKey !== undefined;
}

function withoutStaleFlag({ staleConnection: _, ...answer }: Answer & { staleConnection?: boolean }): Answer {
  return answer;
}

export interface CallOptions {
  port: number;
  path: string;
  method?: string;
  body?: unknown;
  token?: string;
  from?: string;
  agent?: Agent | false;
  timeoutMs?: number;
  /** Sent as Idempotency-Key: one per logical write, the same on a send again (newIdempotencyKey). */
  idempotencyKey?: string;
}

/** A fresh key for one logical POST. */
export const newIdempotencyKey = (): string => randomUUID();

async function callOnce(options: CallOptions): Promise<Answer & { staleConnection?: boolean }> {
  const { token, idempotencyKey, ...request } = options;
  const headers: Record<string, string> = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  };
  try {
    const { status, body } = await httpRequest({ ...request, headers });
    return { status, body };
  } catch (error) {
    return {
      status: 0,
      body: '',
      error: (error as Error).message,
      ...(error instanceof StaleConnectionError ? { staleConnection: true } : {}),
    };
  }
}

/** Parses a JSON answer of the app, or throws naming the call (set-up calls must succeed). */
export function expectJson<T>(answer: Answer, what: string): T {
  if (answer.status !== 200)
    throw new Error(`${what}: HTTP ${answer.status} ${answer.error ?? answer.body.slice(0, 200)}`);
  return JSON.parse(answer.body) as T;
}

/** A random loopback address outside 127.0.0.0/24 (nginx binds 127.0.0.2 towards the apps). */
export function randomClientAddress(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `127.${100 + Math.floor(Math.random() * 100)}.${byte()}.${byte()}`;
}
