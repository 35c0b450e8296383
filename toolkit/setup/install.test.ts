import { describe, expect, it } from 'vitest';
import { ToolkitError } from '../procedure/errors.ts';
import { setupMain } from './cli.ts';
import {
  aptCommands,
  type CommandResult,
  installMissingPackages,
  missingPackages,
  type Privilege,
  type SetupHost,
} from './install.ts';
import { debianPackages, type PackageNeed } from './packages.ts';

interface FakeMachine extends SetupHost {
  ran: string[][];
  lines: string[];
}

/** A machine with the given binaries; a successful `apt-get install` makes its packages' binaries appear. */
function fakeMachine(
  present: string[],
  options: {
    privilege?: Privilege;
    apt?: boolean;
    fail?: (argv: string[]) => CommandResult | undefined;
  } = {},
): FakeMachine {
  const binaries = new Set(present);
  const machine: FakeMachine = {
    ran: [],
    lines: [],
    isPresent: (binary) => binaries.has(binary),
    hasApt: () => options.apt ?? true,
    privilege: async () => options.privilege ?? 'root',
    run: async (argv) => {
      machine.ran.push(argv);
      const failure = options.fail?.(argv);
      if (failure) return failure;
      if (argv.includes('install')) {
        for (const need of debianPackages) if (argv.includes(need.package)) binaries.add(need.binary);
      }
      return { exitCode: 0, output: '' };
    },
    write: (line) => machine.lines.push(line),
  };
  return machine;
}

const everything = debianPackages.map((need) => need.binary);
const allBut = (...absent: string[]) => everything.filter((binary) => !absent.includes(binary));

describe('the package table', () => {
  it('names each binary once, so a need is one line', () => {
    const binaries = debianPackages.map((need) => need.binary);
    expect(new Set(binaries).size).toBe(binaries.length);
  });

  it('covers the servers, tools and image builders the project runs', () => {
    const packages = new Set(debianPackages.map((need) => need.package));
    for (const name of [
      'mariadb-server',
      'tarantool',
      'clickhouse-server',
      'haproxy',
      'mariadb-backup',
      'debootstrap',
      'prometheus-alertmanager',
    ])
      expect(packages).toContain(name);
  });
});

describe('missing detection and the commands built', () => {
  it('finds only the needs whose binary is absent', () => {
    const missing = missingPackages(debianPackages, (binary) => !['tarantool', 'mariadbd'].includes(binary));
    expect(missing.map((need) => need.package)).toEqual(['mariadb-server', 'tarantool']);
  });

  it('updates once, installs each package once, and docker-compose without recommends', () => {
    const missing = missingPackages(
      debianPackages,
      (binary) => !['prometheus', 'promtool', 'docker-compose', 'wrk'].includes(binary),
    );
    expect(aptCommands(missing)).toEqual([
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'wrk', 'prometheus'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'docker-compose'],
    ]);
  });

  it('leaves out an install command with nothing to install', () => {
    const missing: PackageNeed[] = [{ binary: 'wrk', package: 'wrk', usedBy: 'test' }];
    expect(aptCommands(missing)).toEqual([
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'wrk'],
    ]);
  });
});

describe('installMissingPackages', () => {
  it('does nothing and says nothing when nothing is missing', async () => {
    const machine = fakeMachine(everything, { privilege: 'none', apt: false });
    expect(await installMissingPackages(machine)).toEqual([]);
    expect(machine.ran).toEqual([]);
    expect(machine.lines).toEqual([]);
  });

  it('as root: runs apt-get without questions, says what it installs, and checks the binaries appeared', async () => {
    const machine = fakeMachine(allBut('tarantool', 'clickhouse-server', 'clickhouse-client'));
    expect(await installMissingPackages(machine)).toEqual([
      'tarantool',
      'clickhouse-server',
      'clickhouse-client',
    ]);
    const prefix = [
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
      '-q',
      '-o',
      'DPkg::Lock::Timeout=300',
    ];
    expect(machine.ran).toEqual([
      [...prefix, 'update'],
      [...prefix, 'install', '-y', 'tarantool', 'clickhouse-server', 'clickhouse-client'],
    ]);
    expect(machine.lines[0]).toBe(
      'setup: installing tarantool clickhouse-server clickhouse-client (missing: tarantool, clickhouse-server, clickhouse-client)',
    );
    expect(machine.lines[1]).toMatch(
      /^setup: installed tarantool clickhouse-server clickhouse-client in \d+ s$/,
    );
  });

  it('not root but with password-less sudo: every apt-get goes through sudo -n', async () => {
    const machine = fakeMachine(allBut('wrk'), { privilege: 'sudo' });
    await installMissingPackages(machine);
    expect(machine.ran).toHaveLength(2);
    for (const argv of machine.ran)
      expect(argv.slice(0, 5)).toEqual(['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get']);
  });

  it('neither root nor sudo: one line with the exact command, nothing run', async () => {
    const machine = fakeMachine(allBut('wrk', 'docker-compose'), { privilege: 'none' });
    const error = await installMissingPackages(machine, { alternative: 'or start without them' }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ToolkitError);
    expect(error.code).toBe('SETUP_NEEDS_ROOT');
    expect(error.message).toBe(
      'cannot install wrk docker-compose (missing: wrk, docker-compose): not root and no password-less sudo; ' +
        'run: sudo apt-get update && sudo apt-get install -y wrk && sudo apt-get install -y --no-install-recommends docker-compose; ' +
        'or start without them',
    );
    expect(machine.ran).toEqual([]);
  });

  it('with --dry-run says what it would install and runs nothing', async () => {
    const machine = fakeMachine(allBut('haproxy'), { privilege: 'none' });
    expect(await installMissingPackages(machine, { dryRun: true })).toEqual([]);
    expect(machine.lines).toEqual(['setup: would install haproxy (missing: haproxy)']);
    expect(machine.ran).toEqual([]);
  });

  it('without apt-get names the packages to install some other way', async () => {
    const machine = fakeMachine(allBut('nginx'), { apt: false });
    await expect(installMissingPackages(machine)).rejects.toThrow(
      "missing nginx and no apt-get here: install nginx with this system's package manager",
    );
  });

  it('stops at the first failing apt-get and quotes its error lines', async () => {
    const machine = fakeMachine(allBut('podman', 'docker-compose'), {
      fail: (argv) =>
        argv.includes('install')
          ? { exitCode: 100, output: 'Reading package lists...\nE: Unable to locate package podman' }
          : undefined,
    });
    await expect(installMissingPackages(machine)).rejects.toThrow(
      'apt-get install failed (exit 100): E: Unable to locate package podman',
    );
    expect(machine.ran).toHaveLength(2);
  });

  it('fails when apt-get succeeded but a binary is still absent', async () => {
    const machine = fakeMachine(allBut('promtool'), { fail: () => ({ exitCode: 0, output: '' }) });
    await expect(installMissingPackages(machine)).rejects.toThrow(
      'installed prometheus but still missing: promtool',
    );
  });
});

describe('setupMain (npm run setup, npm test)', () => {
  it('exits 0 silently when nothing is missing', async () => {
    const machine = fakeMachine(everything);
    expect(await setupMain([], machine)).toBe(0);
    expect(machine.lines).toEqual([]);
  });

  it('exits 1 with one line when it cannot install', async () => {
    const machine = fakeMachine(allBut('tarantool'), { privilege: 'none' });
    expect(await setupMain([], machine)).toBe(1);
    expect(machine.lines).toHaveLength(1);
    expect(machine.lines[0]).toMatch(
      /^setup: cannot install tarantool .*run: sudo apt-get update && sudo apt-get install -y tarantool$/,
    );
  });

  it('exits 2 on an unknown flag, touching nothing', async () => {
    const machine = fakeMachine(allBut('tarantool'));
    expect(await setupMain(['--yes'], machine)).toBe(2);
    expect(machine.ran).toEqual([]);
    expect(machine.lines[0]).toMatch(/^setup: unknown flag --yes/);
  });
});
