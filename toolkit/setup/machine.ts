import { execa } from 'execa';
import { findBinary } from '../host/binaries.ts';
import type { CommandResult, Privilege, SetupHost } from './install.ts';

// An install of the whole table on a fresh machine takes minutes; a hung apt-get must not hang `up`.
const aptTimeoutMs = 30 * 60_000;

async function privilege(): Promise<Privilege> {
  if (process.getuid?.() === 0) return 'root';
  if (!findBinary(['sudo'])) return 'none';
  const probe = await execa('sudo', ['-n', 'true'], { reject: false, stdin: 'ignore', timeout: 10_000 });
  return probe.exitCode === 0 ? 'sudo' : 'none';
}

async function run(argv: string[]): Promise<CommandResult> {
  const [file, ...args] = argv;
  const result = await execa(file!, args, {
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: aptTimeoutMs,
  });
  const output = result.timedOut ? `E: timed out after ${aptTimeoutMs / 60_000} min` : (result.all ?? '');
  return { exitCode: result.exitCode ?? 1, output };
}

/** This machine: binaries on PATH or in the sbin dirs, apt-get run as root or through `sudo -n`, lines to stderr. */
export function machineHost(): SetupHost {
  return {
    isPresent: (binary) => findBinary([binary]) !== undefined,
    hasApt: () => findBinary(['apt-get']) !== undefined,
    privilege,
    run,
    write: (line) => {
      process.stderr.write(`${line}\n`);
    },
  };
}
