import { setTimeout as sleep } from 'node:timers/promises';
import { inventorySource } from '../inventory/load.ts';
import type { Inventory } from '../inventory/schema.ts';
import { parseArgs, usage } from '../procedure/args.ts';
import { oneLine, ToolkitError, UsageError } from '../procedure/errors.ts';
import { redact } from '../procedure/redact.ts';
import { collectStatus } from './collect.ts';
import { isHealthy, type StatusReport, type StatusRow } from './report.ts';
import { renderStatusTable } from './table.ts';

const flags = {
  env: { type: 'string', description: 'environment whose inventory to check', default: 'local' },
  json: {
    type: 'boolean',
    description: 'print one JSON object (one line per refresh with --watch)',
    default: false,
  },
  watch: { type: 'number', description: 'refresh every N seconds (default 2) until Ctrl-C' },
  rounds: { type: 'number', description: 'with --watch: stop after N refreshes' },
  help: { type: 'boolean', description: 'show this help', default: false },
} as const;

const summary = `Health of every part of an environment, read from its inventory's endpoints; changes nothing.
Each row is up, degraded, down or skipped (not part of this environment) with the reason.
Exits 0 when every row is up or skipped, 1 otherwise, 2 on bad input.`;

/** An environment that knows more than its endpoints (the local one: its pids, what is not installed). */
export type StatusExtension = (
  inventory: Inventory,
) => ((collect: () => Promise<StatusRow[]>) => Promise<StatusRow[]>) | undefined;

const defaultWatchSeconds = 2;

/** `--watch` may come without its number: give parseArgs the form it knows. */
function normaliseWatch(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word !== '--watch') out.push(word);
    else if (/^\d+(\.\d+)?$/.test(words[i + 1] ?? '')) out.push(`--watch=${words[++i]}`);
    else out.push(`--watch=${defaultWatchSeconds}`);
  }
  return out;
}

export async function statusMain(words: string[], extend?: StatusExtension): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<typeof flags>>;
  let source: ReturnType<typeof inventorySource>;
  try {
    parsed = parseArgs(normaliseWatch(words), flags);
    if (parsed.flags.help) {
      process.stdout.write(
        `${usage('status', summary, flags)}\n`.replace('npx zx scripts/status.mjs', 'npm run status --'),
      );
      return 0;
    }
    if (parsed.positionals.length) throw new ToolkitError(`unexpected argument '${parsed.positionals[0]}'`);
    const { watch, rounds } = parsed.flags;
    if (watch !== undefined && !(watch > 0))
      throw new ToolkitError('--watch takes a number of seconds over 0');
    if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
      throw new ToolkitError('--rounds takes a whole number over 0');
    if (rounds !== undefined && watch === undefined) throw new ToolkitError('--rounds goes with --watch');
    source = inventorySource(parsed.flags.env);
  } catch (error) {
    process.stderr.write(`status: ${oneLine(error)}\n`);
    return 2;
  }
  const { env, json, watch, rounds } = parsed.flags;
  // An invalid inventory is bad input like a bad name (exit 2); one that cannot be read now is a failed check.
  let first: Inventory | undefined;
  try {
    first = await source.load();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`status: ${oneLine(error)}\n`);
      return 2;
    }
  }
  const check = async (): Promise<StatusReport> => {
    const checkedAt = new Date().toISOString();
    try {
      const inventory = first ?? (await source.load());
      first = undefined;
      const collect = () => collectStatus(inventory);
      const rows = await (extend?.(inventory)?.(collect) ?? collect());
      return { env, healthy: isHealthy(rows), checkedAt, components: rows };
    } catch (error) {
      return { env, healthy: false, checkedAt, components: [], error: redact(oneLine(error)) };
    }
  };
  if (watch === undefined) {
    const report = await check();
    print(report, json);
    return report.healthy ? 0 : 1;
  }
  return watchStatus(check, { seconds: watch, rounds, json });
}

function print(report: StatusReport, json: boolean, heading?: string): void {
  if (json) {
    process.stdout.write(`${redact(JSON.stringify(report))}\n`);
    return;
  }
  if (report.error) process.stderr.write(`status: ${report.error}\n`);
  const table = report.components.length
    ? `${renderStatusTable(report.components, process.stdout.isTTY === true)}\n`
    : '';
  process.stdout.write(redact(`${heading ? `${heading}\n` : ''}${table}`));
}

/**
 * Checks again every `seconds` until Ctrl-C (or `rounds` checks): on a terminal the table is redrawn in
 * place, elsewhere each round follows the last. A round in progress finishes (its checks have
 * deadlines) and closes its connections before the command ends.
 */
async function watchStatus(
  check: () => Promise<StatusReport>,
  options: { seconds: number; rounds: number | undefined; json: boolean },
): Promise<number> {
  const interrupted = new AbortController();
  const stop = () => interrupted.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tty = process.stdout.isTTY === true && !options.json;
  let healthy = false;
  try {
    for (let round = 1; ; round++) {
      const report = await check();
      healthy = report.healthy;
      const time = new Date(report.checkedAt).toLocaleTimeString('en-GB');
      const heading = `${report.env} at ${time}: ${healthy ? 'healthy' : 'NOT healthy'}; every ${options.seconds} s, Ctrl-C ends`;
      // Home and clear: the table is redrawn where it was, not scrolled.
      if (tty) process.stdout.write('\x1b[H\x1b[2J');
      print(report, options.json, options.json ? undefined : heading);
      if (!tty && !options.json) process.stdout.write('\n');
      if (interrupted.signal.aborted || (options.rounds !== undefined && round >= options.rounds)) break;
      try {
        await sleep(options.seconds * 1000, undefined, { signal: interrupted.signal });
      } catch {
        break;
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return healthy ? 0 : 1;
}
