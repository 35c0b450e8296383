import type { ChildProcess } from 'node:child_process';

/**
 * A child's stream as text for an error message: its first `limit` characters ('head': where a client tool
 * says what went wrong) or its last ('tail': where a long-running tool ends with its verdict). Never rejects.
 */
export function collectText(
  stream: NodeJS.ReadableStream,
  { limit, keep }: { limit: number; keep: 'head' | 'tail' },
): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      if (keep === 'tail') text = (text + chunk.toString('utf8')).slice(-limit);
      else if (text.length < limit) text += chunk.toString('utf8');
    });
    stream.on('end', () => resolve(text));
    stream.on('error', () => resolve(text));
  });
}

/** The child's exit code: 127 when it could not start, 1 when killed by a signal. Never rejects. */
export function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
