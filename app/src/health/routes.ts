import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import type { Redis } from 'ioredis';
import type { Broker } from '../platform/amqp.ts';
import type { Databases } from '../platform/db.ts';
import { redisReady } from '../platform/redis.ts';
import type { TypeBoxProvider } from '../platform/typebox.ts';

export interface HealthOptions {
  db: Databases;
  redis: Redis;
  broker: Broker;
}

const Checks = Type.Object({
  status: Type.String(),
  checks: Type.Record(Type.String(), Type.Boolean()),
  replicas: Type.Array(Type.String(), { description: 'slaves currently serving reads' }),
});

export const healthRoutes: FastifyPluginAsync<HealthOptions, RawServerDefault, TypeBoxProvider> = async (
  app,
  { db, redis, broker },
) => {
  app.get(
    '/health',
    {
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        description: 'Liveness: the process answers.',
        response: { 200: Type.Object({ status: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        description:
          'Readiness: the master answers and is writable (read_only=0), Redis and RabbitMQ answer (slaves are optional: reads fall back to the master).',
        response: { 200: Checks, 503: Checks },
      },
    },
    async (_request, reply) => {
      // An app that cannot write is not ready: the writer endpoint must answer, and with read_only=0.
      const writable = await db.write.writable().then(
        (yes) => yes,
        () => false,
      );
      const checks = { mysql: writable, redis: await redisReady(redis), rabbitmq: broker.connected };
      const ok = Object.values(checks).every(Boolean);
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ready' : 'not ready', checks, replicas: db.read.healthy() });
    },
  );
};
