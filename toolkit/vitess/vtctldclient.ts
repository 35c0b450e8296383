import { execa } from 'execa';
import { ToolkitError } from '../procedure/errors.ts';
import { recordStatement } from '../procedure/statements.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the process could not start at all (ENOENT) or was killed at the deadline. */
  failure?: 'missing' | 'timeout';
}

/** Runs one program to the end; injected so tests can answer in-process. */
export type Exec = (file: string, args: string[], timeoutMs: number) => Promise<ExecResult>;

export const execaExec: Exec = async (file, args, timeoutMs) => {
  const result = await execa(file, args, {
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const error = result as { code?: string; timedOut?: boolean };
  if (error.code === 'ENOENT')
    return { exitCode: 127, stdout: '', stderr: `${file}: not found`, failure: 'missing' };
  return {
    exitCode: result.exitCode ?? 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    ...(error.timedOut ? { failure: 'timeout' as const } : {}),
  };
};

/**
 * vtctldclient failed. `unreachable` means vtctld did not answer (nothing can be concluded about the
 * workflow); `failed` carries the server's own message (the `desc = ...` part of the gRPC error).
 */
export class VtctldError extends ToolkitError {
  override name = 'VtctldError';
  constructor(
    readonly kind: 'unreachable' | 'failed',
    readonly desc: string,
    readonly command: string,
  ) {
    super(
      kind === 'unreachable' ? `vtctld did not answer: ${desc}` : desc,
      kind === 'unreachable' ? 'VTCTLD_UNREACHABLE' : 'VTCTLD_FAILED',
    );
  }
}

const unreachablePattern =
  /code = (Unavailable|DeadlineExceeded)|connection refused|no such host|context deadline exceeded|Error while dialing|connection reset|i\/o timeout/i;

/** The server's message out of vtctldclient's stderr: plain glog lines (v19–v23) or JSON log lines (v24). */
export function errorMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      if (!l.startsWith('{')) return l;
      try {
        const entry = JSON.parse(l) as Record<string, unknown>;
        const text = entry.msg ?? entry.message ?? entry.error;
        return typeof text === 'string' ? text : l;
      } catch {
        return l;
      }
    });
  const withDesc = [...lines].reverse().find((l) => l.includes('desc = '));
  if (withDesc) return withDesc.slice(withDesc.indexOf('desc = ') + 'desc = '.length).trim();
  const last = lines[lines.length - 1] ?? '';
  // glog prefix: E1011 16:49:02.123456 1234 main.go:56] message
  return last.replace(/^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] /, '') || 'no error text';
}

/** Words shown to people as a command line they could paste into a shell. */
export function shellLine(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export interface VtctldOptions {
  /** host:port of vtctld's gRPC endpoint. */
  server: string;
  binary?: string;
  exec?: Exec;
  /** For reads; writes that wait inside Vitess (SwitchTraffic) pass their own. */
  timeoutMs?: number;
}

/** The one way the toolkit talks to Vitess: modern vtctldclient (v19+), one process per command. */
export class Vtctld {
  readonly server: string;
  readonly binary: string;
  private readonly exec: Exec;
  private readonly timeoutMs: number;

  constructor(options: VtctldOptions) {
    this.server = options.server;
    this.binary = options.binary ?? 'vtctldclient';
    this.exec = options.exec ?? execaExec;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  argv(args: string[]): string[] {
    return ['--server', this.server, ...args];
  }

  /** The exact command, for dry runs and error messages. */
  commandLine(args: string[]): string {
    return shellLine(['vtctldclient', ...this.argv(args)]);
  }

  /** Runs one command; one that changes something is recorded into the step that runs it. */
  async run(args: string[], timeoutMs = this.timeoutMs): Promise<string> {
    const command = this.commandLine(args);
    const recorded = isRead(args) ? undefined : recordStatement(this.server, command);
    const result = await this.exec(this.binary, this.argv(args), timeoutMs);
    if (recorded && (result.failure || result.exitCode !== 0))
      recorded.error = result.failure ?? `exit ${result.exitCode}`;
    if (result.failure === 'missing') {
      throw new VtctldError(
        'unreachable',
        `${this.binary} is not installed (put Vitess v19+ on PATH or set VTCTLDCLIENT)`,
        command,
      );
    }
    if (result.failure === 'timeout')
      throw new VtctldError('unreachable', `no answer within ${Math.round(timeoutMs / 1000)} s`, command);
    if (result.exitCode !== 0) {
      const text = `${result.stderr}\n${result.stdout}`;
      const desc = errorMessage(result.stderr || result.stdout);
      throw new VtctldError(unreachablePattern.test(text) ? 'unreachable' : 'failed', desc, command);
    }
    return result.stdout;
  }
}

/** Get* commands, and a workflow's `status` and VDiff's `show`, only read. */
function isRead(args: string[]): boolean {
  return /^Get/.test(args[0] ?? '') || args.includes('status') || args.includes('show');
}

/** Workflow-not-found answers: Vitess words these differently by command and version. */
export function isNotFound(error: unknown): boolean {
  return (
    error instanceof VtctldError &&
    error.kind === 'failed' &&
    /no streams found|not found|doesn't exist|does not exist|could not find|no workflow|node doesn't exist/i.test(
      error.desc,
    )
  );
}
