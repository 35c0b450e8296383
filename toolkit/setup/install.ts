import { ToolkitError } from '../procedure/errors.ts';
import { debianPackages, type PackageNeed } from './packages.ts';

/** How apt-get can be run here: directly (root), through `sudo -n`, or not at all. */
export type Privilege = 'root' | 'sudo' | 'none';

export interface CommandResult {
  exitCode: number;
  /** stdout and stderr together. */
  output: string;
}

/** What the set-up touches on the machine; tests pass their own. */
export interface SetupHost {
  isPresent(binary: string): boolean;
  hasApt(): boolean;
  privilege(): Promise<Privilege>;
  run(argv: string[]): Promise<CommandResult>;
  write(line: string): void;
}

export interface SetupOptions {
  dryRun?: boolean;
  packages?: readonly PackageNeed[];
  /** Another way forward the caller offers, appended to the "cannot install" line. */
  alternative?: string;
}

export function missingPackages(
  packages: readonly PackageNeed[],
  isPresent: (binary: string) => boolean,
): PackageNeed[] {
  return packages.filter((need) => !isPresent(need.binary));
}

function packageNames(needs: readonly PackageNeed[]): string[] {
  return [...new Set(needs.map((need) => need.package))];
}

/** The apt-get commands that install the missing packages: one update, then one install per recommends policy. */
export function aptCommands(missing: readonly PackageNeed[]): string[][] {
  const withRecommends = packageNames(missing.filter((need) => !need.noRecommends));
  const without = packageNames(missing.filter((need) => need.noRecommends));
  const commands = [['apt-get', 'update']];
  if (withRecommends.length) commands.push(['apt-get', 'install', '-y', ...withRecommends]);
  if (without.length) commands.push(['apt-get', 'install', '-y', '--no-install-recommends', ...without]);
  return commands;
}

/**
 * The words actually run: no debconf questions, less output, and a wait for the dpkg lock when another
 * install is under way instead of failing at once.
 */
export function executedCommand(command: string[], privilege: Exclude<Privilege, 'none'>): string[] {
  const [apt, ...rest] = command;
  const quiet = [apt!, '-q', '-o', 'DPkg::Lock::Timeout=300', ...rest];
  const noQuestions = ['env', 'DEBIAN_FRONTEND=noninteractive', ...quiet];
  return privilege === 'sudo' ? ['sudo', '-n', ...noQuestions] : noQuestions;
}

/** What a person types when the set-up cannot install by itself. */
export function commandForPerson(missing: readonly PackageNeed[]): string {
  return aptCommands(missing)
    .map((command) => `sudo ${command.join(' ')}`)
    .join(' && ');
}

function aptFailure(output: string): string {
  const lines = output.split('\n').map((line) => line.trim());
  const errors = lines.filter((line) => line.startsWith('E:'));
  return (errors.length ? errors : lines.filter(Boolean).slice(-1)).join('; ') || 'no output';
}

/**
 * Installs the Debian packages whose binaries are missing, and says nothing when none is.
 * Returns the packages installed; throws a one-line ToolkitError when it cannot install.
 */
export async function installMissingPackages(host: SetupHost, options: SetupOptions = {}): Promise<string[]> {
  const missing = missingPackages(options.packages ?? debianPackages, (binary) => host.isPresent(binary));
  if (!missing.length) return [];
  const names = packageNames(missing);
  const what = `${names.join(' ')} (missing: ${missing.map((need) => need.binary).join(', ')})`;
  if (!host.hasApt()) {
    throw new ToolkitError(
      `missing ${missing.map((need) => need.binary).join(', ')} and no apt-get here: install ${names.join(' ')} with this system's package manager`,
      'SETUP_NO_APT',
    );
  }
  if (options.dryRun) {
    host.write(`setup: would install ${what}`);
    return [];
  }
  const privilege = await host.privilege();
  if (privilege === 'none') {
    const alternative = options.alternative ? `; ${options.alternative}` : '';
    throw new ToolkitError(
      `cannot install ${what}: not root and no password-less sudo; run: ${commandForPerson(missing)}${alternative}`,
      'SETUP_NEEDS_ROOT',
    );
  }
  host.write(`setup: installing ${what}`);
  const started = Date.now();
  for (const command of aptCommands(missing)) {
    const result = await host.run(executedCommand(command, privilege));
    if (result.exitCode !== 0) {
      throw new ToolkitError(
        `${command.slice(0, 2).join(' ')} failed (exit ${result.exitCode}): ${aptFailure(result.output)}`,
        'SETUP_APT_FAILED',
      );
    }
  }
  const still = missingPackages(missing, (binary) => host.isPresent(binary));
  if (still.length) {
    throw new ToolkitError(
      `installed ${names.join(' ')} but still missing: ${still.map((need) => need.binary).join(', ')}`,
      'SETUP_STILL_MISSING',
    );
  }
  host.write(`setup: installed ${names.join(' ')} in ${Math.round((Date.now() - started) / 1000)} s`);
  return names;
}
