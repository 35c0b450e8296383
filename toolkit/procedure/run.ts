import { oneLine, StepFailure } from './errors.ts';
import { ProgressMeter } from './progress.ts';
import { redact } from './redact.ts';
import type { Reporter } from './reporter.ts';
import { collectStatements } from './statements.ts';
import type { RunbookReport, StepRecord, StepStatus } from './types.ts';

/**
 * A step that converges one thing: read the current state, say what differs (null when nothing
 * does), change only that, then verify by reading again.
 */
export interface ConvergeStep<S> {
  name: string;
  host: string;
  read(): Promise<S>;
  /** What must change, in words, or null when the state is already right. */
  diff(state: S): string | null;
  /** The detail shown when nothing had to change. */
  describe?(state: S): string;
  apply(state: S, change: string): Promise<void>;
  /** Defaults to reading again and requiring diff() to be null. Return the detail to report. */
  verify?(before: S): Promise<string | undefined>;
}

export interface RunOptions {
  runbook: string;
  env: string;
  dryRun: boolean;
  reporter: Reporter;
}

export class Run {
  readonly runbook: string;
  readonly env: string;
  readonly dryRun: boolean;
  private readonly reporter: Reporter;
  private readonly steps: StepRecord[] = [];
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private outcome: Record<string, unknown> | undefined;

  constructor(options: RunOptions) {
    this.runbook = options.runbook;
    this.env = options.env;
    this.dryRun = options.dryRun;
    this.reporter = options.reporter;
  }

  /** A read-only check: passes with a detail or fails the run. */
  async check(name: string, host: string, probe: () => Promise<string>): Promise<void> {
    await this.step(name, host, async () => ({ status: 'ok', detail: await probe() }));
  }

  /**
   * A check of the end result (a marker read back, counters that grow). In a dry run the changes
   * it would verify were not made, so it is reported as planned instead of run.
   */
  async verify(name: string, host: string, probe: () => Promise<string>): Promise<void> {
    await this.step(name, host, async () =>
      this.dryRun
        ? { status: 'planned', detail: 'verify after the changes' }
        : { status: 'ok', detail: await probe() },
    );
  }

  /** Converges one thing; in a dry run the change is reported as planned and not applied. */
  async converge<S>(spec: ConvergeStep<S>): Promise<StepStatus> {
    return this.step(spec.name, spec.host, async () => {
      const state = await spec.read();
      const change = spec.diff(state);
      if (change === null) return { status: 'ok', detail: spec.describe?.(state) ?? 'in place' };
      if (this.dryRun) return { status: 'planned', detail: change };
      await spec.apply(state, change);
      const verified = spec.verify ? await spec.verify(state) : await this.rereadAndCompare(spec);
      return { status: 'changed', detail: verified ? `${change}; ${verified}` : change };
    });
  }

  /** Work that always changes something when it runs (the caller decided it must). */
  async action(
    name: string,
    host: string,
    detail: string,
    apply: () => Promise<string | undefined>,
  ): Promise<void> {
    await this.step(name, host, async () => {
      if (this.dryRun) return { status: 'planned', detail };
      const result = await apply();
      return { status: 'changed', detail: result ?? detail };
    });
  }

  /** Runs a step whose outcome the body decides; failures become a failed record and a StepFailure. */
  async step(
    name: string,
    host: string,
    body: () => Promise<{ status: Exclude<StepStatus, 'failed'>; detail: string }>,
  ): Promise<StepStatus> {
    this.reporter.stepStarted(name, host);
    const { statements, outcome } = await collectStatements(body);
    const executed = statements.length ? { statements } : {};
    if (outcome.status === 'fulfilled') {
      const { status, detail } = outcome.value;
      this.record({ name, host, status, detail, ...executed });
      return status;
    }
    const error = outcome.reason;
    const reason = error instanceof StepFailure ? error.reason : oneLine(error);
    this.record({ name, host, status: 'failed', detail: reason, ...executed });
    throw error instanceof StepFailure ? error : new StepFailure(name, host, redact(reason));
  }

  progress(text: string): void {
    this.reporter.progress(text);
  }

  meter(label: string, total: number | undefined, unit: string): ProgressMeter {
    return new ProgressMeter(label, total, unit, (text) => this.reporter.progress(text));
  }

  note(text: string): void {
    this.reporter.note(text);
  }

  /** Resources (connections, temp files) closed when the runbook ends, whatever happened. */
  onClose(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Closing is best effort: a connection that already broke has nothing left to close.
      }
    }
  }

  /** Sets what the runbook made (an address, a port), printed as `result` in the --json report. */
  setResult(result: Record<string, unknown>): void {
    this.outcome = result;
  }

  report(): RunbookReport {
    return {
      runbook: this.runbook,
      env: this.env,
      changed: this.steps.filter((s) => s.status === 'changed').length,
      ...(this.outcome ? { result: this.outcome } : {}),
      steps: this.steps.map((s) => ({
        ...s,
        detail: redact(s.detail),
        ...(s.statements
          ? { statements: s.statements.map((statement) => ({ ...statement, text: redact(statement.text) })) }
          : {}),
      })),
    };
  }

  private record(record: StepRecord): void {
    this.steps.push(record);
    this.reporter.stepEnded(record);
  }

  private async rereadAndCompare<S>(spec: ConvergeStep<S>): Promise<string | undefined> {
    const after = await spec.read();
    const still = spec.diff(after);
    if (still !== null) throw new Error(`did not converge: still ${still}`);
    return spec.describe?.(after);
  }
}
