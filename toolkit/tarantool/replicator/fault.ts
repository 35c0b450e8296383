import type { BatchInfo, ReplicatorHooks } from './engine.ts';
import { describePosition } from './position.ts';

/**
 * Test-only fault injection, read by the replicator process only when REPLICATOR_TEST_FAULT is set:
 * `kill-before-apply:N` or `kill-after-apply:N` SIGKILLs the process at that point of its Nth streamed
 * batch, every time, so a test controls where a crash lands instead of hoping a kill falls there.
 */
export const faultVariable = 'REPLICATOR_TEST_FAULT';

export type FaultPoint = 'kill-before-apply' | 'kill-after-apply';

export interface Fault {
  point: FaultPoint;
  batch: number;
}

export function parseFault(text: string): Fault {
  const match = /^(kill-before-apply|kill-after-apply):([1-9]\d{0,8})$/.exec(text.trim());
  if (!match)
    throw new Error(
      `${faultVariable}='${text}': expected kill-before-apply:<batch> or kill-after-apply:<batch>`,
    );
  return { point: match[1] as FaultPoint, batch: Number(match[2]) };
}

/** The hooks that carry out a fault: one log line (written synchronously), then SIGKILL of this process. */
export function faultHooks(
  fault: Fault,
  log: (line: string) => void,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): ReplicatorHooks {
  const at =
    (point: FaultPoint, when: string) =>
    (batch: BatchInfo): void => {
      if (fault.point !== point || batch.number !== fault.batch) return;
      log(
        `test fault: SIGKILL ${when} batch ${batch.number} (${batch.transactions} transaction(s), ${batch.ops} row(s), position ${describePosition(batch.position)})`,
      );
      kill();
    };
  return {
    beforeApply: at('kill-before-apply', 'before applying'),
    afterApply: at('kill-after-apply', 'after Tarantool committed'),
  };
}
