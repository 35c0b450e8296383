import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Connection } from 'mysql2/promise';
import { type MysqlEndpoint, openConnection, type Row, type SqlValue } from '../../lib/mysql.ts';

const run = promisify(execFile);

export interface Login {
  user: string;
  password: string;
}

/** A throwaway master with replicating slaves (mariadbd), started for one test file. */
export interface TestMysqlCluster {
  stateDir: string;
  /** The environment naming this cluster, applied to this process too (tools in a test then act on it). */
  env: NodeJS.ProcessEnv;
  database: string;
  master: MysqlEndpoint;
  slaves: MysqlEndpoint[];
  admin: Login;
  /** The app's own account: rows of the schema only, as in every environment. */
  app: Login;
  /** The migrations' account (DDL on the schema): the stack migrates with it, the app never does. */
  migrate: Login;
  stop(): Promise<void>;
}

/** An administrator's connection for a test to look or break things with. */
export interface AdminSession {
  query(sql: string, values?: SqlValue[]): Promise<Row[]>;
  exec(sql: string, values?: SqlValue[]): Promise<void>;
  /** The first column of the first row, as a string; null when there is none. */
  value(sql: string, values?: SqlValue[]): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * The app's tests get their databases from the operations side without importing it: the command
 * vitest.config.ts names in TEST_MYSQL_CLUSTER_COMMAND (the toolkit's local environment) starts the
 * servers detached and describes them in one JSON line; `stop` ends them.
 */
function command(): string {
  const path = process.env.TEST_MYSQL_CLUSTER_COMMAND;
  if (!path)
    throw new Error('TEST_MYSQL_CLUSTER_COMMAND is not set: run the tests with vitest (vitest.config.ts)');
  return path;
}

export async function startTestMysqlCluster(slaves = 2): Promise<TestMysqlCluster> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', command(), 'start', '--slaves', String(slaves)],
    {
      maxBuffer: 1 << 20,
    },
  );
  const described = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Omit<
    TestMysqlCluster,
    'stop' | 'env'
  > & {
    env: Record<string, string>;
  };
  Object.assign(process.env, described.env);
  return {
    ...described,
    env: { ...process.env, ...described.env },
    stop: async () => {
      await run(process.execPath, ['--import', 'tsx', command(), 'stop', described.stateDir]);
    },
  };
}

export async function adminSession(node: MysqlEndpoint, login: Login): Promise<AdminSession> {
  const conn: Connection = await openConnection({ host: node.host, port: node.port, ...login });
  const query = async (sql: string, values: SqlValue[] = []) => (await conn.query(sql, values))[0] as Row[];
  return {
    query,
    exec: async (sql, values = []) => {
      await conn.query(sql, values);
    },
    value: async (sql, values = []) => {
      const first = Object.values((await query(sql, values))[0] ?? {})[0];
      return first === null || first === undefined ? null : String(first);
    },
    close: () => conn.end(),
  };
}
