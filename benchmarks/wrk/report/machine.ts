import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { execa } from 'execa';
import type { Inventory } from '../../../toolkit/inventory/schema.ts';
import { loadState } from '../../../toolkit/local/state.ts';
import { MysqlSession } from '../../../toolkit/mysql/session.ts';
import type { MachineInfo } from '../report-data.ts';

/** The local environment's mysqld/mariadbd pids (all nodes), when every one is alive and is one. */
export function localMysqlPids(): number[] {
  const pids = loadState().mysql.nodes.map((n) => n.pid);
  const isServer = (pid: number | undefined): pid is number => {
    if (!pid) return false;
    try {
      return /mariadbd|mysqld/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  };
  return pids.every(isServer) ? (pids as number[]) : [];
}

export async function machineInfo(inventory: Inventory): Promise<MachineInfo> {
  const wrk = await execa('wrk', ['-v'], { reject: false });
  const wrkVersion = /wrk\s+(\S+)/.exec(`${wrk.stdout}`)?.[0] ?? 'wrk (version unknown)';
  let os = 'unknown OS';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // Not Linux: the OS stays unnamed.
  }
  const session = await MysqlSession.open(inventory.mysql.master, inventory.mysql.admin, { timeoutMs: 5000 });
  const mysql = String(await session.value('SELECT VERSION()').finally(() => session.close()));
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: totalmem() / 2 ** 30,
    os,
    node: process.versions.node,
    wrk: wrkVersion,
    mysql: `MySQL server ${mysql}`,
    loadBefore: loadavg()[0] ?? 0,
  };
}
