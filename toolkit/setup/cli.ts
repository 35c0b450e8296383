import { parseArgs, usage } from '../procedure/args.ts';
import { oneLine, ToolkitError } from '../procedure/errors.ts';
import { installMissingPackages, type SetupHost } from './install.ts';
import { machineHost } from './machine.ts';

const flags = {
  'dry-run': {
    type: 'boolean',
    description: 'print what would be installed, install nothing',
    default: false,
  },
  help: { type: 'boolean', description: 'show this help', default: false },
} as const;

const summary = `Installs the Debian packages the local environment and the tests use when their binaries are missing
(apt-get, as root or through sudo -n). Prints what it installs; silent when nothing is missing.`;

/**
 * `npm run setup`, and `npm test`'s pretest: 0 done, 1 could not install, 2 bad flags. A pretest rather
 * than a vitest globalSetup: an install of minutes would run under vitest's hook timeout with its output
 * mixed into the test report, and `npx vitest run <file>` (or watch mode) would install as a side effect.
 */
export async function setupMain(words: string[], host: SetupHost = machineHost()): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<typeof flags>>;
  try {
    parsed = parseArgs(words, flags);
    if (parsed.positionals.length) throw new Error(`unexpected '${parsed.positionals.join(' ')}'`);
  } catch (error) {
    host.write(`setup: ${oneLine(error)}`);
    return 2;
  }
  if (parsed.flags.help) {
    process.stdout.write(`${usage('setup', summary, flags)}\n`);
    return 0;
  }
  try {
    await installMissingPackages(host, { dryRun: parsed.flags['dry-run'] });
    return 0;
  } catch (error) {
    const unexpected = error instanceof ToolkitError ? '' : ' (unexpected; please report it)';
    host.write(`setup: ${oneLine(error)}${unexpected}`);
    return 1;
  }
}
