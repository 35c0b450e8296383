import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One precise string replacement in one file: what a control changes in the code or the test set-up. */
export interface Mutation {
  /** Repository-relative path of the file to change. */
  file: string;
  /** Text that must occur exactly once in the file. */
  find: string;
  /** What it becomes. */
  replace: string;
}

/**
 * The text with the mutation applied. Fails loudly when the text to mutate is missing or ambiguous:
 * a control whose code moved on would otherwise run the unmutated tests and report a pass as proof.
 */
export function applyMutation(text: string, mutation: Mutation): string {
  const first = text.indexOf(mutation.find);
  if (first < 0)
    throw new Error(
      `${mutation.file}: the text to mutate is not there (the code changed; update the control): ${oneLine(mutation.find)}`,
    );
  if (text.indexOf(mutation.find, first + 1) >= 0)
    throw new Error(`${mutation.file}: the text to mutate occurs more than once: ${oneLine(mutation.find)}`);
  if (mutation.find === mutation.replace) throw new Error(`${mutation.file}: the mutation changes nothing`);
  return text.slice(0, first) + mutation.replace + text.slice(first + mutation.find.length);
}

/** Applies each mutation to the tree at `root`, in place. */
export function mutateTree(root: string, mutations: Mutation[]): void {
  for (const mutation of mutations) {
    const path = join(root, mutation.file);
    writeFileSync(path, applyMutation(readFileSync(path, 'utf8'), mutation));
  }
}

/** A unified-style view of a mutation for the report: the lines removed and the lines added. */
export function describeMutation(mutation: Mutation): string {
  const removed = mutation.find.split('\n').map((line) => `- ${line}`);
  const added = mutation.replace === '' ? [] : mutation.replace.split('\n').map((line) => `+ ${line}`);
  return [`--- ${mutation.file}`, ...removed, ...added].join('\n');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 97)}...` : flat;
}
