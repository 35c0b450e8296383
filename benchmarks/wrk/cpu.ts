import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on Linux). */
const ticks = 100;

/** CPU seconds a process used so far (user + system), or undefined when it is gone or not Linux. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticks;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of this process's children that have exited and been waited for (cutime + cstime of
 * /proc/self/stat): a wrk run that ended within a point is counted here, whole.
 */
export function exitedChildrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / ticks;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all but idle and iowait), from /proc/stat. */
export function machineBusySeconds(stat = readProcStat()): number | undefined {
  const line = stat?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / ticks;
}

function readProcStat(): string | undefined {
  try {
    return readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
}

/** Cores (CPU seconds per second) each party used during one point. */
export interface CpuUse {
  /** Our app instance. */
  app?: number;
  /** The MySQL servers of the environment, together (only when their pids are known: the local environment). */
  mysql?: number;
  /** This process: the MySQL-alone load tool runs in it. */
  self: number;
  /** The whole machine: the rest is wrk and whatever else runs here. */
  machine?: number;
  /** The HTTP client (wrk), from the exited children's counters: the app series only. */
  client?: number;
}

/** Samples CPU counters around one point. */
export class CpuSampler {
  private readonly started: {
    at: number;
    app?: number;
    mysql?: number;
    self: number;
    machine?: number;
    children?: number;
  };

  constructor(
    private readonly pids: { app?: number; mysql: number[] },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = this.read();
  }

  private read() {
    const mysql = this.pids.mysql.map(processCpuSeconds);
    const usage = process.cpuUsage();
    return {
      at: this.now(),
      app: this.pids.app === undefined ? undefined : processCpuSeconds(this.pids.app),
      mysql:
        mysql.length && mysql.every((v) => v !== undefined) ? mysql.reduce((a, b) => a! + b!, 0) : undefined,
      self: (usage.user + usage.system) / 1e6,
      machine: machineBusySeconds(),
      children: exitedChildrenCpuSeconds(),
    };
  }

  stop(): CpuUse {
    const end = this.read();
    const seconds = (end.at - this.started.at) / 1000;
    const cores = (a: number | undefined, b: number | undefined): number | undefined =>
      a === undefined || b === undefined || seconds <= 0 ? undefined : (b - a) / seconds;
    return {
      app: cores(this.started.app, end.app),
      mysql: cores(this.started.mysql, end.mysql),
      self: cores(this.started.self, end.self) ?? 0,
      machine: cores(this.started.machine, end.machine),
      client: cores(this.started.children, end.children),
    };
  }
}
