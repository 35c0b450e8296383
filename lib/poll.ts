import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Says what was awaited, for the timeout message. */
  what: string;
}

/**
 * Polls until check() returns a value other than undefined, or the deadline passes. The last
 * reason check() gave (via the `why` callback) ends up in the timeout error.
 */
export async function waitFor<T>(
  check: (why: (reason: string) => void) => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let reason = '';
  const why = (r: string) => {
    reason = r;
  };
  for (;;) {
    try {
      const result = await check(why);
      if (result !== undefined) return result;
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}${reason ? `: ${reason}` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 100);
  }
}
