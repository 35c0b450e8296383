import { join } from 'node:path';
import { probeRabbitmq, probeRedis } from './probes.ts';
import { serviceComponent } from './service.ts';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw ? Number(raw) : fallback;
}

export const redisComponent = serviceComponent({
  name: 'redis',
  host: '127.0.0.1',
  port: port('LOCAL_REDIS_PORT', 6379),
  binaries: ['redis-server'],
  debianPackage: 'redis-server',
  probe: probeRedis,
  reuse: true,
  command: (_binary, dir) => ({
    args: [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port('LOCAL_REDIS_PORT', 6379)),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    marker: `--dir ${dir}`,
  }),
});

export const rabbitmqComponent = serviceComponent({
  name: 'rabbitmq',
  host: '127.0.0.1',
  port: port('LOCAL_RABBITMQ_PORT', 5672),
  binaries: ['rabbitmq-server'],
  debianPackage: 'rabbitmq-server',
  probe: probeRabbitmq,
  reuse: true,
  startTimeoutMs: 90_000,
  command: (_binary, dir) => {
    const amqp = port('LOCAL_RABBITMQ_PORT', 5672);
    return {
      args: [],
      // Its own node name, dirs and distribution port, so it never collides with the machine's broker.
      env: {
        RABBITMQ_NODE_PORT: String(amqp),
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODENAME: `toolkit${amqp}@localhost`,
        RABBITMQ_DIST_PORT: String(amqp + 20000),
        RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
        HOME: dir,
      },
      marker: 'rabbitmq',
    };
  },
});
