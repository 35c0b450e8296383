import { existsSync, rmSync } from 'node:fs';
import { portOpen } from '../../lib/net.ts';
import { ClickHouseHttp } from '../clickhouse/http.ts';
import { clickhouseIsOurs, startClickHouse, stopClickHouse } from '../clickhouse/server.ts';
import { clickhouseLoadProcedure, createTableSql } from '../clickhouse/user-load.ts';
import { findBinary } from '../host/binaries.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { LocalComponent } from './component.ts';
import { localHost, localInventory } from './inventory.ts';
import { ensureLocalSecrets } from './secrets-file.ts';
import { serviceDir } from './service.ts';
import { loadState, updateState } from './state.ts';

const httpPort = () => Number(process.env.LOCAL_CLICKHOUSE_PORT ?? 8123);
// The native protocol port next to the HTTP one: 9000 is often taken by something else.
const tcpPort = () => httpPort() + 1;
const dir = () => serviceDir('clickhouse');
const client = () => new ClickHouseHttp({ host: localHost, port: httpPort() });

/**
 * ClickHouse as a plain process with compose/clickhouse/schema.sql applied and MySQL's users loaded
 * (scripts/clickhouse-load.mjs's procedure), when clickhouse-server is installed.
 */
export const clickhouseComponent: LocalComponent = {
  name: 'clickhouse',

  async up(run: Run): Promise<void> {
    if (!findBinary(['clickhouse-server', 'clickhouse'])) {
      await run.check(
        'clickhouse',
        'local',
        async () => 'skipped: clickhouse-server is not installed (apt-get install clickhouse-server)',
      );
      return;
    }
    await ensureLocalSecrets(run, {}, { host: 'clickhouse', keys: ['clickhouse-app'] });
    const known = () => loadState().services.clickhouse;
    await run.converge({
      name: 'running',
      host: 'clickhouse',
      read: async () => ({
        ours: clickhouseIsOurs(known()?.pid, dir()),
        busy: await portOpen(localHost, httpPort()),
      }),
      diff: (s) => (s.ours ? null : `start clickhouse-server on ${localHost}:${httpPort()}`),
      describe: () => `ours, pid ${known()?.pid}, HTTP on ${localHost}:${httpPort()}`,
      apply: async (s) => {
        if (s.busy)
          throw new ToolkitError(
            `${localHost}:${httpPort()} is taken by another process: set LOCAL_CLICKHOUSE_PORT`,
          );
        const pid = await startClickHouse({
          host: localHost,
          httpPort: httpPort(),
          tcpPort: tcpPort(),
          dir: dir(),
          appPassword: resolveSecret('local:clickhouse-app'),
        });
        updateState((state) => {
          state.services.clickhouse = { host: localHost, port: httpPort(), owned: true, pid };
        });
      },
    });
    await run.converge({
      name: 'schema',
      host: 'clickhouse',
      read: async () =>
        (await client().rows("SELECT name FROM system.tables WHERE database = 'default' AND name = 'user'"))
          .length > 0,
      diff: (exists) => (exists ? null : 'create default.user from compose/clickhouse/schema.sql'),
      describe: () => 'default.user',
      apply: async () => {
        await client().query(createTableSql('default', 'user'));
      },
    });
    // `up` seeds MySQL's users (app data) but ClickHouse's copy is a batch load, not a replica: without
    // this it stayed empty ("0 users loaded") until someone ran clickhouse-load.mjs. The load leaves a
    // table that already holds exactly MySQL's rows alone, so a second `up` changes nothing.
    if (run.dryRun) return;
    await clickhouseLoadProcedure(run, localInventory(loadState()));
  },

  async down(run: Run, { wipe }): Promise<void> {
    const known = loadState().services.clickhouse;
    await run.converge({
      name: 'stopped',
      host: 'clickhouse',
      read: async () => clickhouseIsOurs(known?.pid, dir()),
      diff: (ours) => (ours ? `stop pid ${known?.pid}` : null),
      describe: () => 'not running',
      apply: async () => {
        await stopClickHouse(known!.pid!, dir());
      },
    });
    updateState((state) => {
      delete state.services.clickhouse;
    });
    if (wipe && existsSync(dir()))
      await run.action('data wiped', 'clickhouse', `remove ${dir()}`, async () => {
        rmSync(dir(), { recursive: true, force: true });
        return undefined;
      });
  },
};
