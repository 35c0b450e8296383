import { VtctldError } from '../vtctldclient.ts';

export const unanswered = Symbol('vtctld did not answer');

/**
 * A read for a poll that tolerates a few unanswered polls in a row (vtctld restarting) and fails on
 * the next one, or at once on any other error. Answers `unanswered` for a poll to skip.
 */
export function unreachableTolerance(limit: number) {
  let count = 0;
  return async <T>(read: () => Promise<T>, why: (reason: string) => void): Promise<T | typeof unanswered> => {
    try {
      const value = await read();
      count = 0;
      return value;
    } catch (error) {
      if (error instanceof VtctldError && error.kind === 'unreachable' && ++count < limit) {
        why(error.message);
        return unanswered;
      }
      throw error;
    }
  };
}
