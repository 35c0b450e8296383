import { AsyncLocalStorage } from 'node:async_hooks';
import { redact } from './redact.ts';

/** A statement a step sent to a server (SQL, or an admin command), with its secrets masked. */
export interface ExecutedStatement {
  host: string;
  text: string;
  /** The server's error code when the statement failed. */
  error?: string;
}

const running = new AsyncLocalStorage<ExecutedStatement[]>();

/**
 * Runs a step's body and collects what it executed. The store follows the body's async calls, so a
 * session opened anywhere records into the step that uses it, and parallel work within a step lands
 * in that step too.
 */
export async function collectStatements<T>(
  body: () => Promise<T>,
): Promise<{ statements: ExecutedStatement[]; outcome: PromiseSettledResult<T> }> {
  const statements: ExecutedStatement[] = [];
  const outcome = await running.run(statements, async () => {
    try {
      return { status: 'fulfilled' as const, value: await body() };
    } catch (reason) {
      return { status: 'rejected' as const, reason };
    }
  });
  return { statements, outcome };
}

/**
 * Records a statement into the step running now (outside a step it is not kept), masked at once;
 * the returned handle marks it failed if the server refuses it.
 */
export function recordStatement(host: string, text: string): ExecutedStatement | undefined {
  const statements = running.getStore();
  if (!statements) return undefined;
  const record = { host, text: maskStatement(text) };
  statements.push(record);
  return record;
}

/**
 * Secrets out of a statement: every resolved secret (redact), and any quoted literal after
 * IDENTIFIED BY or a *PASSWORD option, whether or not the toolkit resolved it.
 */
export function maskStatement(text: string): string {
  return redact(
    text
      .replace(
        /(IDENTIFIED (?:BY|VIA \w+ USING)(?: PASSWORD)?|PASSWORD\s*=|PASSWORD\s*\()\s*'(?:[^'\\]|\\.|'')*'/gi,
        "$1 '***'",
      )
      .replace(/\s+/g, ' '),
  );
}
