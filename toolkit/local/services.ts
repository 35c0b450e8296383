import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeRabbitmq, probeRedis } from '../../lib/net.ts';
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
    // redis-server rewrites its process title to "redis-server host:port", so that is what identifies ours.
    marker: `127.0.0.1:${port('LOCAL_REDIS_PORT', 6379)}`,
  }),
});

export const rabbitmqComponent = serviceComponent({
  name: 'rabbitmq',
  host: '127.0.0.1',
  port: port('LOCAL_RABBITMQ_PORT', 5672),
  // The server script itself, not Debian's wrapper: the wrapper switches user with su, which starts a
  // new session that `down` could not stop by process group.
  binaries: ['/usr/lib/rabbitmq/bin/rabbitmq-server', 'rabbitmq-server'],
  debianPackage: 'rabbitmq-server',
  probe: probeRabbitmq,
  reuse: true,
  startTimeoutMs: 90_000,
  prepare: (dir) => {
    const amqp = port('LOCAL_RABBITMQ_PORT', 5672);
    mkdirSync(join(dir, 'mnesia'), { recursive: true });
    mkdirSync(join(dir, 'log'), { recursive: true });
    // Its own config and env files: the machine's /etc/rabbitmq ones name the machine broker's port and node.
    writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${amqp}\n`);
    writeFileSync(join(dir, 'rabbitmq-env.conf'), `NODENAME=toolkit${amqp}@localhost\n`);
  },
  command: (_binary, dir) => {
    const amqp = port('LOCAL_RABBITMQ_PORT', 5672);
    return {
      args: [],
      env: {
        RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
        RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
        RABBITMQ_NODENAME: `toolkit${amqp}@localhost`,
        RABBITMQ_DIST_PORT: String(amqp + 40000 > 65535 ? amqp + 1000 : amqp + 40000),
        RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
        HOME: dir,
      },
      marker: 'rabbitmq-server',
    };
  },
});
