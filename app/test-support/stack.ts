import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { type AppConfig, loadConfig } from '../src/platform/config.ts';
import { migrateAll } from '../src/platform/migrations.ts';
import {
  type AdminSession,
  adminSession,
  startTestMysqlCluster,
  type TestMysqlCluster,
} from './mysql-cluster.ts';
import { startRedis, type TestRedis } from './redis.ts';

export interface TestStack {
  cluster: TestMysqlCluster;
  redis: TestRedis;
  config: AppConfig;
  env: Record<string, string>;
  /** An app instance on this stack (several may run side by side, like several containers). */
  app(overrides?: Record<string, string>): Promise<FastifyInstance>;
  admin(node: 'master' | number): Promise<AdminSession>;
  stop(): Promise<void>;
}

/**
 * Everything one test file needs, real: a master and two slaves (mariadbd), its own redis-server,
 * and the machine's RabbitMQ with exchange and queue names unique to this run (deleted at the end).
 * `migrate: false` leaves the schema empty, for an app that migrates at its own start (the image).
 */
export async function startTestStack(options: { migrate?: boolean } = {}): Promise<TestStack> {
  const cluster = await startTestMysqlCluster();
  const redis = await startRedis();
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  const { master, slaves } = cluster;
  const env: Record<string, string> = {
    MYSQL_HOST: master.host,
    MYSQL_PORT: String(master.port),
    MYSQL_USER: cluster.app.user,
    MYSQL_PASSWORD: cluster.app.password,
    MYSQL_DB: cluster.database,
    SLAVE_MYSQL_HOSTS: slaves.map((s) => `${s.host}:${s.port}`).join(','),
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redis.port),
    RABBITMQ_PREFIX: prefix,
    AUTH_TOKEN_SECRET: randomBytes(24).toString('hex'),
    // Tests of the limits set their own; the others must never meet them.
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    LOGIN_ACCOUNT_FREE_FAILURES: '1000',
    REGISTER_RATE_LIMIT_PER_HOUR: '1000000',
    MYSQL_POOL_SIZE: '10',
  };
  const config = loadConfig(env);
  // As every environment does it: the migrations' account changes the schema, the app's only uses it.
  if (options.migrate ?? true)
    await migrateAll({
      master: { ...config.master, ...cluster.migrate },
      chat: { ...config.chat, ...cluster.migrate },
    });
  const apps: FastifyInstance[] = [];
  return {
    cluster,
    redis,
    config,
    env,
    app: async (overrides = {}) => {
      const app = await buildApp(loadConfig({ ...env, ...overrides }), { logger: false });
      apps.push(app);
      // Ready as a started server is: app.injectWS (unlike app.inject) does not wait for it.
      await app.ready();
      return app;
    },
    admin: (node) => adminSession(node === 'master' ? master : slaves[node]!, cluster.admin),
    stop: async () => {
      await Promise.all(apps.map((a) => a.close().catch(() => {})));
      await deleteBrokerNames(prefix);
      await redis.stop();
      await cluster.stop();
    },
  };
}

async function deleteBrokerNames(prefix: string): Promise<void> {
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const channel = await conn.createChannel();
    for (const queue of [`${prefix}.feed.fanout`, `${prefix}.feed.fanout.bulk`])
      await channel.deleteQueue(queue);
    for (const exchange of [`${prefix}.feed`, `${prefix}.live`]) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await conn.close();
  }
}
