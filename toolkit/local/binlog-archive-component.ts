import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { backupRoot, binlogArchiveDir } from '../backup/layout.ts';
import { findBinary } from '../host/binaries.ts';
import { isOurs, spawnDetached, stopProcess } from '../host/process.ts';
import { repoRoot, stateDir } from '../inventory/paths.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { ensureAccount } from '../mysql/account.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { LocalComponent } from './component.ts';
import { archiveCredential, localHost, localInventory, localMysqlNode } from './inventory.ts';
import { serviceDir } from './service.ts';
import { loadState, updateState } from './state.ts';

const entry = join(repoRoot, 'toolkit', 'backup', 'archiver-main.ts');
const archiveDir = () => binlogArchiveDir(backupRoot(stateDir()));
const logFile = () => join(serviceDir('binlog-archive'), 'archiver.log');

/**
 * The binlog archive: the archiver process (toolkit/backup/archiver-main.ts) streams the master's
 * binary logs into <state>/backups/binlog/<node>/ and follows a failover by itself; `up` keeps its
 * account on every node (a promoted slave needs it) and the process running.
 */
export const binlogArchiveComponent: LocalComponent = {
  name: 'binlog-archive',

  async up(run: Run): Promise<void> {
    const state = loadState();
    const inventory = localInventory(state);
    for (const node of state.mysql.nodes) {
      const session = await MysqlSession.open(localMysqlNode(state, node.name), inventory.mysql.admin);
      try {
        await ensureAccount(run, session, 'binlog archive user', {
          user: archiveCredential.user,
          host: '%',
          password: archiveCredential.password,
          grants: [{ privileges: ['REPLICATION SLAVE', 'BINLOG MONITOR'] }],
          purpose: 'REPLICATION SLAVE and BINLOG MONITOR only',
        });
      } finally {
        await session.close();
      }
    }
    const known = () => loadState().services['binlog-archive'];
    await run.converge({
      name: 'archiver',
      host: 'binlog-archive',
      read: async () => isOurs(known()?.pid, entry),
      diff: (running) => (running ? null : `start the archiver into ${archiveDir()}`),
      describe: () => `pid ${known()?.pid}, into ${archiveDir()}`,
      apply: async () => {
        mkdirSync(serviceDir('binlog-archive'), { recursive: true });
        mkdirSync(archiveDir(), { recursive: true, mode: 0o700 });
        const s = loadState();
        const pid = spawnDetached(process.execPath, ['--import', 'tsx', entry, archiveDir()], {
          logFile: logFile(),
          cwd: repoRoot,
          env: {
            ...process.env,
            ARCHIVER_NODES: JSON.stringify(
              s.mysql.nodes.map((n) => ({ name: n.name, host: localHost, port: n.port })),
            ),
            ARCHIVER_USER: archiveCredential.user,
            ARCHIVER_PASSWORD: resolveSecret(archiveCredential.password),
            ARCHIVER_SERVER_ID: String(4000 + ((s.mysql.nodes[0]?.port ?? 0) % 1000)),
            ARCHIVER_BINLOG_TOOL: binlogTool(),
          },
        });
        updateState((st) => {
          st.services['binlog-archive'] = { host: localHost, port: 0, owned: true, pid };
        });
      },
      verify: async () => {
        await waitFor(
          async (why) => {
            if (!isOurs(known()?.pid, entry)) throw new ToolkitError(`the archiver exited: see ${logFile()}`);
            const text = readLog();
            // Streaming for certain once the master runs a binlog dump thread for its account.
            if (/streaming /.test(text) && (await dumpThreads()) > 0) return true;
            why(`its log says: ${text.trimEnd().split('\n').pop() ?? 'nothing yet'}`);
            return undefined;
          },
          { timeoutMs: 60_000, intervalMs: 200, what: `the archiver to start streaming (see ${logFile()})` },
        );
        return `pid ${known()?.pid} streams into ${archiveDir()}`;
      },
    });
  },

  async down(run: Run): Promise<void> {
    const known = loadState().services['binlog-archive'];
    await run.converge({
      name: 'stopped',
      host: 'binlog-archive',
      read: async () => isOurs(known?.pid, entry),
      diff: (ours) => (ours ? `stop pid ${known?.pid}` : null),
      describe: () => 'not running',
      apply: async () => {
        await stopProcess(known!.pid!, entry, 30_000);
      },
    });
  },
};

/** The master's binlog dump threads of the archiver's account. */
async function dumpThreads(): Promise<number> {
  const inventory = localInventory(loadState());
  const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin);
  try {
    const rows = await session.query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND LIKE 'Binlog Dump%'",
      [archiveCredential.user],
    );
    return rows.length;
  } finally {
    await session.close();
  }
}

function binlogTool(): string {
  const path = findBinary(['mariadb-binlog', 'mysqlbinlog']);
  if (!path) throw new ToolkitError('mariadb-binlog not found: apt-get install mariadb-client');
  return path;
}

function readLog(): string {
  try {
    return readFileSync(logFile(), 'utf8');
  } catch {
    return '';
  }
}
