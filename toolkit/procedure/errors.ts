/**
 * An error meant for the person running the toolkit: its message is one line that says what is wrong
 * and, where it can, what to do. Anything else that escapes is a bug and is reported as such.
 */
export class ToolkitError extends Error {
  override name = 'ToolkitError';
  constructor(
    message: string,
    readonly code = 'TOOLKIT_ERROR',
  ) {
    super(message);
  }
}

/** Bad flags, a bad shard spec, an inventory typo: rejected before anything is touched. */
export class UsageError extends ToolkitError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, 'USAGE');
  }
}

/** A step of a runbook failed; carries where, so the one-line report can name the step and host. */
export class StepFailure extends ToolkitError {
  override name = 'StepFailure';
  constructor(
    readonly step: string,
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${step} on ${host}: ${reason}`, 'STEP_FAILED');
  }
}

export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}
