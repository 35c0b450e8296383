import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ToolkitError } from '../procedure/errors.ts';
import { registerSecret } from '../procedure/redact.ts';
import { repoRoot, stateDir } from './paths.ts';
import type { SecretRef } from './schema.ts';

export const localSecretsFile = (): string => resolve(stateDir(), 'secrets.json');

/** Turns a reference into the secret; the value is registered for redaction before it is returned. */
export function resolveSecret(ref: SecretRef): string {
  const colon = ref.indexOf(':');
  const kind = ref.slice(0, colon);
  const key = ref.slice(colon + 1);
  let value: string | undefined;
  if (kind === 'env') {
    value = process.env[key];
    if (value === undefined || value === '')
      throw new ToolkitError(`secret ${ref} is not set: export ${key} (see .env.example)`);
  } else if (kind === 'file') {
    const path = isAbsolute(key) ? key : resolve(repoRoot, key);
    try {
      value = readFileSync(path, 'utf8').split('\n')[0]?.trim();
    } catch {
      throw new ToolkitError(`secret ${ref}: cannot read ${path}`);
    }
    if (!value) throw new ToolkitError(`secret ${ref}: ${path} is empty`);
  } else if (kind === 'local') {
    value = readLocalSecrets()[key];
    if (!value) throw new ToolkitError(`secret ${ref} is not in ${localSecretsFile()}: run npm run up first`);
  } else {
    throw new ToolkitError(`secret reference ${ref} has an unknown kind (env:, file: or local:)`);
  }
  registerSecret(value);
  return value;
}

/**
 * The local secrets for a writer that adds to them: {} before the first `up`, but a file that is there
 * and unreadable or not JSON is an error (naming the file only): writing {} plus one key over it would
 * replace every password in use. Readers that only look a key up keep readLocalSecrets' leniency.
 */
export function readLocalSecretsForUpdate(): Record<string, string> {
  const file = localSecretsFile();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ToolkitError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    throw new ToolkitError(`${file} is not JSON: fix it or move it aside (it holds the passwords in use)`);
  }
}

export function readLocalSecrets(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(localSecretsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}
