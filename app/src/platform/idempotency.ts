import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onErrorHookHandler,
  onSendHookHandler,
  preHandlerHookHandler,
  RouteOptions,
} from 'fastify';
import type { Redis } from 'ioredis';
import { keepStatus } from './contract-statuses.ts';
import { AppError, DependencyUnavailable } from './errors.ts';
import { ErrorBody } from './http.ts';

export interface IdempotencyOptions {
  redis: Redis;
  /** How long a key and its answer are kept: a repeat after this runs again. */
  ttlSeconds?: number;
}

/** What a key holds: the claim (the hash of what was asked), then the answer once there is one. */
interface KeyRecord {
  hash: string;
  status?: number;
  type?: string;
  body?: string;
}

const keyPattern = /^[A-Za-z0-9._:-]{8,128}$/;
const dayInSeconds = 24 * 60 * 60;
const claims = new WeakMap<FastifyRequest, { redisKey: string; hash: string }>();
/** Answered 503 by fastify's handler timeout while the handler goes on: its write may still land. */
const timedOut = new WeakSet<FastifyRequest>();

/**
 * `Idempotency-Key` on every POST route registered after it in the scope that registers it (skip-override:
 * its hooks are that scope's): the first request with a key claims it in Redis (SET NX), runs, and keeps
 * its 2xx or 4xx answer; a repeat gets that answer again (`idempotent-replayed: true`), a repeat while the
 * first still runs a 409, the key with another body a 422. A 5xx releases the key, so a retry runs again.
 * Redis away: 503, since the key promises at-most-once and without Redis nothing can keep that promise.
 */
export const idempotency: FastifyPluginAsync<IdempotencyOptions> = async (app, options) => {
  const ttlSeconds = options.ttlSeconds ?? dayInSeconds;
  const { redis } = options;

  const claim: preHandlerHookHandler = async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !keyPattern.test(key))
      throw new AppError(
        'IDEMPOTENCY_KEY_INVALID',
        'Idempotency-Key must be 8 to 128 of A-Z a-z 0-9 . _ : -',
      );
    const caller = request.userId ?? `ip:${request.ip}`;
    const redisKey = `idem:${request.routeOptions.url}:${caller}:${key}`;
    const hash = createHash('sha256')
      .update(JSON.stringify([request.params ?? null, request.body ?? null]))
      .digest('base64url');
    const earlier = await claimOrRead(redis, redisKey, hash, ttlSeconds);
    if (earlier === undefined) {
      claims.set(request, { redisKey, hash });
      return;
    }
    keepStatus(request);
    if (earlier.hash !== hash)
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with another request');
    if (earlier.status === undefined)
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still running', {
        retryAfterSeconds: 1,
      });
    return replay(reply, earlier);
  };

  const settle: onSendHookHandler = async (request, reply, payload) => {
    const claimed = claims.get(request);
    if (!claimed) return payload;
    claims.delete(request);
    try {
      await keepAnswer(redis, claimed, reply, payload, ttlSeconds, timedOut.has(request));
    } catch (error) {
      // The write ran; its key stays claimed, so a repeat gets 409 rather than running it twice.
      request.log.warn({ err: error }, 'could not keep the answer of an idempotent request');
    }
    return payload;
  };

  const noteTimeout: onErrorHookHandler = async (request, _reply, error) => {
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT') timedOut.add(request);
  };

  app.addHook('onRoute', (route) => {
    if (route.method !== 'POST' || route.websocket) return;
    route.preHandler = [claim, ...asList(route.preHandler)];
    route.onError = [...asList(route.onError), noteTimeout];
    route.onSend = [...asList(route.onSend), settle];
    route.schema = documented(route.schema);
  });
};
// Its hooks belong to the scope that registers it (what fastify-plugin does), not to a scope of its own.
Object.assign(idempotency, { [Symbol.for('skip-override')]: true });

/** Claims the key (undefined) or, when it is taken, what it holds; Redis away is a 503. */
async function claimOrRead(
  redis: Redis,
  redisKey: string,
  hash: string,
  ttlSeconds: number,
): Promise<KeyRecord | undefined> {
  try {
    // A key released (a 5xx) or expired between the two commands is simply claimed on the next turn.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await redis.set(redisKey, JSON.stringify({ hash }), 'EX', ttlSeconds, 'NX');
      if (claimed === 'OK') return undefined;
      const held = await redis.get(redisKey);
      if (held !== null) return JSON.parse(held) as KeyRecord;
    }
  } catch (error) {
    throw new DependencyUnavailable('redis', error);
  }
  throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still running', {
    retryAfterSeconds: 1,
  });
}

/**
 * 2xx and 4xx are kept; a 5xx releases the key, unless the handler may still be running (it timed out):
 * then the key stays claimed, so the write that may yet land is not run again.
 */
async function keepAnswer(
  redis: Redis,
  claimed: { redisKey: string; hash: string },
  reply: FastifyReply,
  payload: unknown,
  ttlSeconds: number,
  handlerMayRun: boolean,
): Promise<void> {
  const status = reply.statusCode;
  if (status >= 500) {
    if (!handlerMayRun) await redis.del(claimed.redisKey);
    return;
  }
  const body = payload === undefined || payload === null ? '' : payload;
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) throw new Error('answer is a stream, not kept');
  const type = reply.getHeader('content-type');
  const record: KeyRecord = {
    hash: claimed.hash,
    status,
    body: body.toString(),
    ...(typeof type === 'string' ? { type } : {}),
  };
  await redis.set(claimed.redisKey, JSON.stringify(record), 'EX', ttlSeconds, 'XX');
}

function replay(reply: FastifyReply, earlier: KeyRecord): FastifyReply {
  reply.code(earlier.status ?? 200).header('idempotent-replayed', 'true');
  if (earlier.type) reply.type(earlier.type);
  return earlier.body ? reply.send(earlier.body) : reply.send();
}

function asList<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/** The header and its two answers in the route's OpenAPI description; the key itself is checked in claim. */
function documented(schema: RouteOptions['schema']): RouteOptions['schema'] {
  const errorRef = Type.Ref(ErrorBody);
  return {
    ...schema,
    headers: Type.Object({
      'idempotency-key': Type.Optional(
        Type.String({
          description:
            'Added, optional: 8-128 of A-Z a-z 0-9 . _ : -. A repeat with the same key gets the first answer ' +
            'again (header idempotent-replayed), 409 while the first still runs, 422 if it asks something else.',
        }),
      ),
    }),
    response: { ...(schema?.response as object | undefined), 409: errorRef, 422: errorRef },
  };
}
