import { ownerOnlyUmask } from '../host/files.ts';
import { parseArgs, usage } from '../procedure/args.ts';
import { oneLine, ToolkitError } from '../procedure/errors.ts';
import { redact } from '../procedure/redact.ts';
import { createReporter, outputModeFor } from '../procedure/reporter.ts';
import { Run } from '../procedure/run.ts';
import { packagesForLocalUp } from '../setup/local-up.ts';
import { statusMain } from '../status/cli.ts';
import type { StatusRow } from '../status/report.ts';
import { renderStatusTable } from '../status/table.ts';
import { localComponents } from './components.ts';
import { ensureLocalSecrets } from './secrets-file.ts';
import { hasState, loadState, saveState } from './state.ts';
import { localStatus, localStatusFor } from './status.ts';

const flags = {
  json: { type: 'boolean', description: 'print one JSON object', default: false },
  'dry-run': { type: 'boolean', description: 'up/down: print the plan, change nothing', default: false },
  'no-install': {
    type: 'boolean',
    description: 'up: install no missing package, skip its part',
    default: false,
  },
  wipe: { type: 'boolean', description: 'down: also delete the data under .local/', default: false },
  help: { type: 'boolean', description: 'show this help', default: false },
} as const;

const summary = `The local environment: MySQL master and slaves, Redis, RabbitMQ (and the app, Tarantool, ClickHouse
when present) as processes on this machine.
  up      start or repair everything; a second run changes nothing
  down    stop what up started (data kept unless --wipe)
  status  health of each part; exits non-zero when any installed part is down (one not installed is skipped)`;

export async function localMain(words: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<typeof flags>>;
  try {
    parsed = parseArgs(words, flags);
  } catch (error) {
    process.stderr.write(`local: ${oneLine(error)}\n`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.flags.help || !command) {
    process.stdout.write(`${usage('local', summary, flags, '<up|down|status> ')}\n`);
    return parsed.flags.help ? 0 : 2;
  }
  if (rest.length || !['up', 'down', 'status'].includes(command)) {
    process.stderr.write(`local: unknown command '${parsed.positionals.join(' ')}' (up, down or status)\n`);
    return 2;
  }
  if (command === 'status')
    return statusMain(parsed.flags.json ? ['--env', 'local', '--json'] : ['--env', 'local'], localStatusFor);
  const reporter = createReporter(outputModeFor(parsed.flags.json));
  const run = new Run({ runbook: command, env: 'local', dryRun: parsed.flags['dry-run'], reporter });
  let failure: string | undefined;
  try {
    if (command === 'up') await up(run, !parsed.flags['no-install']);
    else await down(run, parsed.flags.wipe);
  } catch (error) {
    failure = oneLine(error);
    if (!(error instanceof ToolkitError)) failure += ' (unexpected; please report it)';
  } finally {
    await run.close();
  }
  reporter.finished(run.report(), failure);
  if (!failure && command === 'up' && !parsed.flags.json && !parsed.flags['dry-run']) {
    const rows = await localStatus().catch((error): StatusRow[] => [
      { component: 'status', name: '-', address: '-', health: 'down', detail: redact(oneLine(error)) },
    ]);
    process.stdout.write(`\n${redact(renderStatusTable(rows, outputModeFor(false) === 'tty'))}\n`);
  }
  return failure ? 1 : 0;
}

async function up(run: Run, install: boolean): Promise<void> {
  ownerOnlyUmask();
  await packagesForLocalUp(run, install);
  if (!hasState() && !run.dryRun) saveState(loadState());
  await ensureLocalSecrets(run, { 'rabbitmq-password': 'guest' });
  for (const component of localComponents) await component.up(run);
}

async function down(run: Run, wipe: boolean): Promise<void> {
  if (!hasState()) {
    run.note('nothing to stop: the local environment was never started');
    return;
  }
  for (const component of [...localComponents].reverse()) await component.down(run, { wipe });
}
