import chalk from 'chalk';
import ora, { type Ora } from 'ora';
import { redact } from './redact.ts';
import type { RunbookReport, StepRecord, StepStatus } from './types.ts';

/** Where a runbook's progress goes: a TTY gets spinners and colour, CI gets plain lines, --json gets quiet. */
export interface Reporter {
  stepStarted(name: string, host: string): void;
  progress(text: string): void;
  stepEnded(record: StepRecord): void;
  note(text: string): void;
  finished(report: RunbookReport, failure?: string): void;
}

export type OutputMode = 'tty' | 'plain' | 'json';

export function outputModeFor(json: boolean, stream: NodeJS.WriteStream = process.stderr): OutputMode {
  if (json) return 'json';
  return stream.isTTY && !process.env.CI ? 'tty' : 'plain';
}

export function createReporter(mode: OutputMode): Reporter {
  if (mode === 'json') return new JsonReporter();
  if (mode === 'tty') return new TtyReporter();
  return new PlainReporter();
}

const colour: Record<StepStatus, (s: string) => string> = {
  ok: chalk.green,
  changed: chalk.yellow,
  planned: chalk.cyan,
  failed: chalk.red,
};

function line(record: StepRecord): string {
  const where = `${record.name} @ ${record.host}`;
  return record.detail ? `${where}: ${record.detail}` : where;
}

function summary(report: RunbookReport): string {
  const planned = report.steps.filter((s) => s.status === 'planned').length;
  const failed = report.steps.filter((s) => s.status === 'failed').length;
  const parts = [`${report.steps.length} steps`, `${report.changed} changed`];
  if (planned) parts.push(`${planned} planned`);
  if (failed) parts.push(`${failed} failed`);
  return `${report.runbook} (${report.env}): ${parts.join(', ')}`;
}

class TtyReporter implements Reporter {
  private spinner: Ora | undefined;

  stepStarted(name: string, host: string): void {
    this.spinner = ora({ text: `${name} @ ${host}`, stream: process.stderr }).start();
  }

  progress(text: string): void {
    if (this.spinner) this.spinner.text = redact(text);
  }

  stepEnded(record: StepRecord): void {
    const text = `${colour[record.status](record.status.padEnd(7))} ${redact(line(record))}`;
    const spinner = this.spinner ?? ora({ stream: process.stderr });
    this.spinner = undefined;
    if (record.status === 'failed') spinner.fail(text);
    else if (record.status === 'ok') spinner.succeed(text);
    else spinner.info(text);
  }

  note(text: string): void {
    process.stderr.write(`${chalk.dim(redact(text))}\n`);
  }

  finished(report: RunbookReport, failure?: string): void {
    process.stdout.write(`${chalk.bold(summary(report))}\n`);
    if (failure) process.stderr.write(`${chalk.red('error:')} ${redact(failure)}\n`);
  }
}

class PlainReporter implements Reporter {
  private lastProgress = 0;

  stepStarted(): void {
    this.lastProgress = Date.now();
  }

  progress(text: string): void {
    // CI logs keep every line, so progress is thinned to one line every few seconds.
    if (Date.now() - this.lastProgress < 5000) return;
    this.lastProgress = Date.now();
    process.stderr.write(`  ... ${redact(text)}\n`);
  }

  stepEnded(record: StepRecord): void {
    process.stdout.write(`[${record.status}] ${redact(line(record))}\n`);
  }

  note(text: string): void {
    process.stderr.write(`${redact(text)}\n`);
  }

  finished(report: RunbookReport, failure?: string): void {
    process.stdout.write(`${summary(report)}\n`);
    if (failure) process.stderr.write(`error: ${redact(failure)}\n`);
  }
}

class JsonReporter implements Reporter {
  stepStarted(): void {}
  progress(): void {}
  stepEnded(): void {}
  note(): void {}
  finished(report: RunbookReport, failure?: string): void {
    process.stdout.write(`${redact(JSON.stringify(report))}\n`);
    if (failure) process.stderr.write(`error: ${redact(failure)}\n`);
  }
}
