import { openInventory } from '../inventory/load.ts';
import type { Inventory } from '../inventory/schema.ts';
import type { InventorySource } from '../inventory/source.ts';
import { type FlagSpecs, type ParsedFlags, parseArgs, scriptArgs, usage } from './args.ts';
import { oneLine, StepFailure, ToolkitError, UsageError } from './errors.ts';
import { Operation } from './operation.ts';
import { describeHolder } from './operation-lock.ts';
import { redact } from './redact.ts';
import { createReporter, outputModeFor } from './reporter.ts';
import { Run } from './run.ts';

export const commonFlags = {
  env: { type: 'string', description: 'environment whose inventory to act on', default: 'local' },
  'dry-run': { type: 'boolean', description: 'print the plan, change nothing', default: false },
  json: { type: 'boolean', description: 'print one JSON object with every step', default: false },
  help: { type: 'boolean', description: 'show this help', default: false },
} as const satisfies FlagSpecs;

export interface RunbookContext<F extends FlagSpecs> {
  inventory: Inventory;
  source: InventorySource;
  flags: ParsedFlags<F & typeof commonFlags>;
  positionals: string[];
}

export interface RunbookDefinition<F extends FlagSpecs> {
  name: string;
  summary: string;
  flags?: F;
  positionalUsage?: string;
  /**
   * Changes the topology (who replicates from whom, where traffic goes): such a run holds the
   * environment's operation lock and leaves a line in its audit log. A function decides per run.
   */
  changesTopology?:
    | boolean
    | ((flags: ParsedFlags<F & typeof commonFlags>, positionals: string[]) => boolean);
  /** Checks positionals and flags before anything is loaded or touched; throw UsageError. */
  validate?(flags: ParsedFlags<F & typeof commonFlags>, positionals: string[]): void;
  procedure(run: Run, context: RunbookContext<F>): Promise<void>;
}

/** A definition, or one built from the script's words (for runbooks that pass words on, like wrk-report). */
export type RunbookSource<F extends FlagSpecs> =
  | RunbookDefinition<F>
  | ((words: string[]) => RunbookDefinition<F>);

/**
 * What every scripts/<name>.mjs does: reads its own words (raw, see scriptArgs) and runs the
 * definition; the exit code is returned for the script to set.
 */
export async function runbookScript<F extends FlagSpecs>(
  runbook: RunbookSource<F>,
  scriptUrl: string,
): Promise<number> {
  const words = scriptArgs(scriptUrl);
  return runbookMain(typeof runbook === 'function' ? runbook(words) : runbook, words);
}

/**
 * The one way every runbook starts: parse the raw words, load and validate the inventory, run
 * the procedure's steps, print the report (lines, spinners or one JSON object) and return the exit
 * code: 0 done, 1 a step failed, 2 bad input (nothing was touched).
 */
export async function runbookMain<F extends FlagSpecs>(
  definition: RunbookDefinition<F>,
  words: string[],
): Promise<number> {
  const spec = { ...commonFlags, ...(definition.flags ?? {}) } as F & typeof commonFlags;
  const wantsJson = words.includes('--json');
  let flags: ParsedFlags<F & typeof commonFlags>;
  let positionals: string[];
  try {
    ({ flags, positionals } = parseArgs(words, spec));
    if (flags.help) {
      process.stdout.write(
        `${usage(definition.name, definition.summary, spec, definition.positionalUsage ? `${definition.positionalUsage} ` : '')}\n`,
      );
      return 0;
    }
    definition.validate?.(flags, positionals);
  } catch (error) {
    return fail(definition.name, error, wantsJson, 'unknown');
  }
  const env = String(flags.env);
  let inventory: Inventory;
  let source: InventorySource;
  try {
    ({ inventory, source } = await openInventory(env));
  } catch (error) {
    return fail(definition.name, error, Boolean(flags.json), env);
  }
  const topology = definition.changesTopology;
  let operation: Operation | undefined;
  if (typeof topology === 'function' ? topology(flags, positionals) : topology) {
    let begun: ReturnType<typeof Operation.begin>;
    try {
      begun = Operation.begin(source.stateDir, definition.name, env, words);
    } catch (error) {
      return fail(definition.name, error, Boolean(flags.json), env);
    }
    if ('refused' in begun) return refuse(definition.name, env, begun.refused, Boolean(flags.json));
    operation = begun.operation;
  }
  const reporter = createReporter(outputModeFor(Boolean(flags.json)));
  const run = new Run({ runbook: definition.name, env, dryRun: Boolean(flags['dry-run']), reporter });
  if (operation?.tookOverFrom)
    run.note(`took over the operation lock left by ${describeHolder(operation.tookOverFrom)}: it is gone`);
  let failure: string | undefined;
  try {
    await definition.procedure(run, { inventory, source, flags, positionals });
  } catch (error) {
    failure = error instanceof StepFailure ? error.message : `${definition.name}: ${oneLine(error)}`;
    if (!(error instanceof ToolkitError)) failure += ' (unexpected; please report it)';
  } finally {
    await run.close();
  }
  const report = run.report();
  reporter.finished(report, failure);
  try {
    operation?.finish(report, failure && redact(failure));
  } catch (error) {
    // The topology may have changed: an operator must learn that its record is missing.
    process.stderr.write(`${definition.name}: the audit log was not written: ${redact(oneLine(error))}\n`);
    return 1;
  }
  return failure ? 1 : 0;
}

/** Another run holds the lock: one line naming it, exit 1, nothing touched. */
function refuse(runbook: string, env: string, message: string, json: boolean): number {
  if (json)
    process.stdout.write(`${JSON.stringify({ runbook, env, changed: 0, steps: [], error: message })}\n`);
  process.stderr.write(`${runbook}: ${message}\n`);
  return 1;
}

function fail(runbook: string, error: unknown, json: boolean, env: string): number {
  const message = redact(oneLine(error));
  if (json)
    process.stdout.write(`${JSON.stringify({ runbook, env, changed: 0, steps: [], error: message })}\n`);
  process.stderr.write(`${runbook}: ${message}\n`);
  return error instanceof UsageError || error instanceof ToolkitError ? 2 : 1;
}
