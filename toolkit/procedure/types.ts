import type { ExecutedStatement } from './statements.ts';

export type StepStatus = 'ok' | 'changed' | 'planned' | 'failed';

export interface StepRecord {
  name: string;
  host: string;
  status: StepStatus;
  detail: string;
  /** What the step executed on servers (secrets masked); absent when it executed nothing. */
  statements?: ExecutedStatement[];
}

/** The one JSON object a runbook prints with --json. */
export interface RunbookReport {
  runbook: string;
  env: string;
  changed: number;
  steps: StepRecord[];
  /** What the runbook made, for machines (restore.mjs: the restored server's address and port). */
  result?: Record<string, unknown>;
}
