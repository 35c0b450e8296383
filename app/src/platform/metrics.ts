import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Request durations: from a cached read (a few ms) to the handler timeout's neighbourhood. */
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Fan-out delivery: the time a message waited in RabbitMQ before a consumer took it. */
const delayBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300];

/** One connection pool's use at a scrape: who it serves, where it connects, and its connections. */
export interface PoolUse {
  pool: string;
  endpoint: string;
  inUse: number;
  idle: number;
  waiting: number;
}

/** What the app's metrics read at each scrape, from the parts buildApp wires together. */
export interface MetricSources {
  pools(): PoolUse[];
  redisUp(): boolean;
  rabbitmqUp(): boolean;
  /** Messages ready in each fan-out queue; a queue that cannot be read now is left out. */
  queueDepths(): Promise<Record<string, number>>;
  websockets(): number;
}

/**
 * The app's Prometheus metrics, in a registry of its own (never prom-client's global one, so two apps
 * in one test process do not collide). Labels carry route templates, pool names, endpoints and queue
 * names only: never a URL, an id or anything a user typed.
 */
export class AppMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'app_http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status code: rate, errors and duration (RED)',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: durationBuckets,
    registers: [this.registry],
  });

  readonly deliveryDelay = new Histogram({
    name: 'app_queue_delivery_delay_seconds',
    help: 'How long a message waited in RabbitMQ between publish and a consumer taking it',
    labelNames: ['queue'] as const,
    buckets: delayBuckets,
    registers: [this.registry],
  });

  readonly unreadRebuilds = new Counter({
    name: 'app_unread_counter_rebuilds_total',
    help: "Unread counters rebuilt from MySQL (a user's Redis hash was missing or stale)",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'app_' });
  }

  /** Gauges read from the running app at each scrape. */
  watch(sources: MetricSources): void {
    const registers = [this.registry];
    new Gauge({
      name: 'app_db_pool_connections',
      help: 'MySQL pool connections by pool (write, read, chat), endpoint and state (in_use, idle, waiting requests)',
      labelNames: ['pool', 'endpoint', 'state'] as const,
      registers,
      collect() {
        this.reset();
        for (const p of sources.pools()) {
          this.set({ pool: p.pool, endpoint: p.endpoint, state: 'in_use' }, p.inUse);
          this.set({ pool: p.pool, endpoint: p.endpoint, state: 'idle' }, p.idle);
          this.set({ pool: p.pool, endpoint: p.endpoint, state: 'waiting' }, p.waiting);
        }
      },
    });
    new Gauge({
      name: 'app_dependency_up',
      help: 'Whether the app holds a working connection to a dependency (1) or not (0)',
      labelNames: ['dependency'] as const,
      registers,
      collect() {
        this.set({ dependency: 'redis' }, sources.redisUp() ? 1 : 0);
        this.set({ dependency: 'rabbitmq' }, sources.rabbitmqUp() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'app_queue_messages',
      help: 'Messages ready in a RabbitMQ queue the app consumes (the fan-out backlog)',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        this.reset();
        for (const [queue, messages] of Object.entries(await sources.queueDepths()))
          this.set({ queue }, messages);
      },
    });
    new Gauge({
      name: 'app_websocket_connections',
      help: 'Open WebSocket connections on this instance',
      registers,
      collect() {
        this.set(sources.websockets());
      },
    });
  }
}

/**
 * Observes every answered request by its route template (`/user/get/:id`, never the URL); a request
 * that matched no route is `unmatched`, so scanners cannot mint a series per path they try. WebSocket
 * upgrades are left out (their sockets are counted by app_websocket_connections).
 */
export function installHttpMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // A WebSocket's "response" ends when the socket closes, minutes later: not a request duration.
    if ((request as { ws?: boolean | null }).ws) return;
    metrics.httpDuration.observe(
      {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
