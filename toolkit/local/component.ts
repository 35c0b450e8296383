import type { Run } from '../procedure/run.ts';

/** `skipped`: not installed on this machine, so `up` left it out; it does not make the status fail. */
export type Health = 'up' | 'down' | 'degraded' | 'skipped';

export interface StatusRow {
  component: string;
  name: string;
  address: string;
  health: Health;
  detail: string;
}

/**
 * One part of the local environment. `up` converges it as steps of the `up` run (idempotent: a
 * second `up` changes nothing, and a killed process is started again); `down` stops only what
 * the environment started itself.
 */
export interface LocalComponent {
  name: string;
  up(run: Run): Promise<void>;
  down(run: Run, options: { wipe: boolean }): Promise<void>;
  status(): Promise<StatusRow[]>;
}
