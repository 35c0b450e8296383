import type { Run } from '../procedure/run.ts';

/**
 * One part of the local environment. `up` converges it as steps of the `up` run (idempotent: a
 * second `up` changes nothing, and a killed process is started again); `down` stops only what
 * the environment started itself. Its health is not the component's to say: `status` reads every
 * environment from its inventory alike (toolkit/status, with toolkit/local/status.ts for what only
 * this machine knows).
 */
export interface LocalComponent {
  name: string;
  up(run: Run): Promise<void>;
  down(run: Run, options: { wipe: boolean }): Promise<void>;
}
