import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** compose/ holds the one copy of every config file; the stacks upload the same bytes into containers. */
export const composeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'compose');

export interface SharedFile {
  /** Path under compose/, as compose mounts it. */
  source: string;
  /** Where the container expects it. */
  target: string;
}

export const sharedFiles = {
  mysqlReplication: { source: 'mysql/replication.cnf', target: '/etc/mysql/conf.d/replication.cnf' },
  /** The app's two accounts on the master's first start (sourced by the MySQL image's entrypoint). */
  mysqlAppAccounts: {
    source: 'mysql/app-accounts.sh',
    target: '/docker-entrypoint-initdb.d/app-accounts.sh',
  },
  tarantoolInit: { source: 'tarantool/init.lua', target: '/opt/tarantool/init.lua' },
  replicatorConfig: { source: 'tarantool/replicator.yml', target: '/etc/replicator.yml' },
  haproxyConfig: { source: 'haproxy/haproxy.cfg', target: '/usr/local/etc/haproxy/haproxy.cfg' },
  haproxyAgentConfig: { source: 'haproxy/agent.yml', target: '/etc/haproxy-agent.yml' },
  nginxConfig: { source: 'nginx/nginx.conf', target: '/etc/nginx/nginx.conf' },
  clickhouseSchema: { source: 'clickhouse/schema.sql', target: '/docker-entrypoint-initdb.d/schema.sql' },
} as const satisfies Record<string, SharedFile>;

export function readShared(file: SharedFile): string {
  return readFileSync(join(composeDir, file.source), 'utf8');
}
