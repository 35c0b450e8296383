import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `round` every `intervalMs` once `after` has settled (the agent's first answers), until stop(). A
 * round that throws (HAProxy not up yet, or restarting) is handed to `failed` and tried again next round.
 */
export function everyRound(
  after: Promise<void>,
  intervalMs: number,
  round: () => Promise<void>,
  failed: (error: Error) => void,
): { stop(): Promise<void> } {
  let running = true;
  const stopped = new AbortController();
  const loop = (async () => {
    await after;
    while (running) {
      try {
        await round();
      } catch (error) {
        failed(error as Error);
      }
      await sleep(intervalMs, undefined, { signal: stopped.signal }).catch(() => {});
    }
  })();
  return {
    stop: async () => {
      running = false;
      stopped.abort();
      await loop;
    },
  };
}
