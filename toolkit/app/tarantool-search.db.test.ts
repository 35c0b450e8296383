import Fastify from 'fastify';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Databases,
  ErrorBody,
  SearchService,
  searchRoutes,
  TarantoolSearchService,
  type TypeBoxProvider,
  User,
  UsersRepository,
} from '../../app/src/ops.ts';
import { openPool } from '../../lib/mysql.ts';
import { waitFor } from '../../lib/poll.ts';
import type { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import type { Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { startTestCluster, type TestCluster } from '../local/testing.ts';
import { MysqlSession } from '../mysql/session.ts';
import { measureLag } from '../tarantool/lag.ts';
import { loadReplicatorConfig } from '../tarantool/replicator/config.ts';
import { Replicator } from '../tarantool/replicator/engine.ts';
import { replicatorConfigFile, replicatorEnv } from '../tarantool/server.ts';
import { createUserTable, insertUsers } from '../tarantool/test-users.ts';
import { startTestTarantool, type TestTarantool } from '../tarantool/testing.ts';

let cluster: TestCluster;
let tarantool: TestTarantool;
let inventory: Inventory;
let pool: Pool;
let admin: TarantoolClient;
let mysqlSearch: SearchService;
let tarantoolSearch: TarantoolSearchService;
const stop = new AbortController();
let replicating: Promise<void>;

beforeAll(async () => {
  [cluster, tarantool] = await Promise.all([
    startTestCluster({ slaves: 1, mode: 'bare' }),
    startTestTarantool(),
  ]);
  inventory = cluster.inventory();
  const master = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  await createUserTable(master, 'app');
  await insertUsers(master, 'app', 1, 20_000);
  const password = resolveSecret(inventory.mysql.admin.password);
  const config = loadReplicatorConfig(
    replicatorConfigFile,
    replicatorEnv({
      mysql: {
        host: '127.0.0.1',
        port: inventory.mysql.master.port,
        user: inventory.mysql.admin.user,
        password,
        database: 'app',
      },
      tarantool: { host: tarantool.host, port: tarantool.port, user: 'app', password: tarantool.appPassword },
      logFile: '/dev/null',
    }),
  );
  const replicator = new Replicator(
    config,
    { mysqlPassword: password, tarantoolPassword: tarantool.appPassword },
    () => {},
  );
  replicating = replicator.run(stop.signal);
  admin = await tarantool.admin();
  await waitFor(async () => ((await measureLag(master, admin, 0)).caughtUp ? true : undefined), {
    timeoutMs: 120_000,
    intervalMs: 200,
    what: 'the initial load',
  });
  await master.close();
  // The app's own repository, over a pool made as the app makes it (utf8mb4_unicode_ci, dates as strings).
  pool = openPool(
    {
      host: '127.0.0.1',
      port: inventory.mysql.master.port,
      user: inventory.mysql.admin.user,
      password,
      database: 'app',
    },
    4,
  );
  const sql = {
    rows: async (text: string, values: unknown[] = []) => (await pool.query(text, values))[0],
    execute: async (text: string, values: unknown[] = []) => (await pool.query(text, values))[0],
  };
  mysqlSearch = new SearchService(new UsersRepository({ read: sql, write: sql } as unknown as Databases));
  tarantoolSearch = new TarantoolSearchService({
    host: tarantool.host,
    port: tarantool.port,
    user: 'app',
    password: tarantool.appPassword,
  });
}, 300_000);

afterAll(async () => {
  stop.abort();
  await replicating;
  await tarantoolSearch?.close();
  admin?.close();
  await pool?.end();
  await Promise.allSettled([tarantool?.stop(), cluster?.stop()]);
}, 120_000);

describe('user search from Tarantool', () => {
  const cases: Array<[string, string]> = [
    ['ан', 'ив'],
    ['АН', 'ИВ'],
    ['an', 'iv'],
    ['Ann', 'PETR'],
    ['a', 's'],
    ['е', 'п'],
    ['Zo', 'Ö'],
    ["O'", 'Tab'],
    ['Back\\', 'Line'],
    ['i', 'Car'],
    ['Ив', 'Nul'],
    ['%', 'i'],
    ['_', 'i'],
    ['x', 'y'],
  ];

  it.each(cases)('first %j, last %j: the same users in the same order as MySQL', async (first, last) => {
    const expected = await mysqlSearch.byNamePrefix(first, last, 100);
    const actual = await tarantoolSearch.byNamePrefix(first, last, 100);
    expect(actual).toEqual(expected);
  });

  it('finds users for the common prefixes (the comparison is not between two empty lists)', async () => {
    const found = await Promise.all(
      cases.slice(0, 7).map(([f, l]) => tarantoolSearch.byNamePrefix(f, l, 100)),
    );
    expect(found.every((users) => users.length > 0)).toBe(true);
    expect(found[0]!.length).toBe(100);
  });

  it('answers GET /user/search through the same route when the app picks Tarantool', async () => {
    const app = Fastify().withTypeProvider<TypeBoxProvider>();
    for (const schema of [ErrorBody, User]) app.addSchema(schema);
    await app.register(searchRoutes, { search: tarantoolSearch });
    const response = await app.inject({
      url: `/user/search?${new URLSearchParams({ first_name: 'ан', last_name: 'ив', limit: '50' })}`,
    });
    await app.close();
    expect(response.statusCode).toBe(200);
    const expected = await mysqlSearch.byNamePrefix('ан', 'ив', 50);
    expect(expected.length).toBeGreaterThan(0);
    expect(response.json()).toEqual(expected);
  });

  it('honours the limit, and opens a new connection after close()', async () => {
    expect(await tarantoolSearch.byNamePrefix('a', 'i', 7)).toHaveLength(7);
    await tarantoolSearch.close();
    expect(await tarantoolSearch.byNamePrefix('a', 'i', 3)).toHaveLength(3);
  });
});
