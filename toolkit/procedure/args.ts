import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.ts';

export type FlagType = 'boolean' | 'string' | 'number' | 'list';

export interface FlagSpec {
  type: FlagType;
  description: string;
  default?: boolean | string | number | string[];
}

export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<T extends FlagType> = T extends 'boolean'
  ? boolean
  : T extends 'number'
    ? number
    : T extends 'list'
      ? string[]
      : string;

export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]: S[K] extends { default: unknown }
    ? ValueOf<S[K]['type']>
    : ValueOf<S[K]['type']> | undefined;
};

export interface ParsedArgs<S extends FlagSpecs> {
  flags: ParsedFlags<S>;
  positionals: string[];
}

/**
 * The words after the script's own path in process.argv. zx re-parses words that start with '-'
 * (a shard name such as -80 becomes a flag), so runbooks read the raw words instead.
 */
export function scriptArgs(scriptUrl: string, argv: string[] = process.argv): string[] {
  const script = canonical(fileURLToPath(scriptUrl));
  const index = argv.findIndex((word, i) => i > 0 && canonical(resolve(word)) === script);
  return index === -1 ? argv.slice(2) : argv.slice(index + 1);
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Flags are only `--name` or `--name=value`; any other word, including one that starts with a
 * single '-', is a positional (shard names like -80 and -40,40-80 must pass through untouched).
 */
export function parseArgs<S extends FlagSpecs>(words: string[], spec: S): ParsedArgs<S> {
  const flags: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(spec)) {
    if (flag.default !== undefined)
      flags[name] = Array.isArray(flag.default) ? [...flag.default] : flag.default;
  }
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--') || word === '--') {
      if (word !== '--') positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
    const flag = spec[name];
    if (!flag) {
      const known = Object.keys(spec)
        .map((k) => `--${k}`)
        .join(', ');
      throw new UsageError(`unknown flag --${name} (known: ${known})`);
    }
    if (flag.type === 'boolean') {
      if (eq !== -1) {
        const v = word.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} takes no value (or =true/=false)`);
        flags[name] = v === 'true';
      } else flags[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = word.slice(eq + 1);
    else {
      raw = words[i + 1];
      if (raw === undefined || raw.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    flags[name] = convert(name, flag.type, raw);
  }
  return { flags: flags as ParsedFlags<S>, positionals };
}

function convert(name: string, type: FlagType, raw: string): string | number | string[] {
  if (type === 'number') {
    const n = Number(raw.replaceAll('_', ''));
    if (raw.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`--${name} must be a number, got '${raw}'`);
    return n;
  }
  if (type === 'list') {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new UsageError(`--${name} needs at least one value`);
    return items;
  }
  if (raw === '') throw new UsageError(`--${name} needs a value`);
  return raw;
}

export function usage(name: string, summary: string, spec: FlagSpecs, positional = ''): string {
  const lines = [
    `usage: npx zx scripts/${name}.mjs ${positional}[flags]`.replace('  ', ' '),
    '',
    summary,
    '',
    'flags:',
  ];
  for (const [flag, s] of Object.entries(spec)) {
    const arg = s.type === 'boolean' ? '' : s.type === 'list' ? ' <a,b,...>' : ` <${s.type}>`;
    const def = s.default !== undefined && s.type !== 'boolean' ? ` (default ${String(s.default)})` : '';
    lines.push(`  --${flag}${arg}`.padEnd(30) + s.description + def);
  }
  return lines.join('\n');
}
