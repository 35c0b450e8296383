import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { type FlagSpecs, parseArgs, scriptArgs, usage } from './args.ts';
import { UsageError } from './errors.ts';

const spec = {
  env: { type: 'string', description: 'environment', default: 'local' },
  'dry-run': { type: 'boolean', description: 'plan only' },
  rows: { type: 'number', description: 'rows to write' },
  shards: { type: 'list', description: 'target shards', default: ['-80', '80-'] },
  from: { type: 'string', description: 'source shard' },
} satisfies FlagSpecs;

const parse = (...words: string[]) => parseArgs(words, spec);

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('parseArgs', () => {
  it('gives the defaults when nothing is passed', () => {
    const { flags, positionals } = parse();
    expect(flags).toEqual({ env: 'local', shards: ['-80', '80-'] });
    expect(flags['dry-run']).toBeUndefined();
    expect(flags.rows).toBeUndefined();
    expect(positionals).toEqual([]);
  });

  it('passes shard names that start with a single dash through as positionals', () => {
    expect(parse('-80', '-40,40-80').positionals).toEqual(['-80', '-40,40-80']);
    expect(parse('0', '-80', '80-').positionals).toEqual(['0', '-80', '80-']);
    expect(parse('-x', '-').positionals).toEqual(['-x', '-']);
  });

  it('keeps positionals in order around flags', () => {
    const { flags, positionals } = parse('-80', '--env=prod', '-40,40-80', '--dry-run', '80-');
    expect(positionals).toEqual(['-80', '-40,40-80', '80-']);
    expect(flags.env).toBe('prod');
    expect(flags['dry-run']).toBe(true);
  });

  it('drops a bare --', () => {
    expect(parse('--', '-80').positionals).toEqual(['-80']);
  });

  it('reads --flag=value and --flag value', () => {
    expect(parse('--env=staging').flags.env).toBe('staging');
    expect(parse('--env', 'staging').flags.env).toBe('staging');
  });

  it('keeps everything after the first = in the value', () => {
    expect(parse('--env=a=b').flags.env).toBe('a=b');
  });

  it('takes a value that starts with a single dash after a flag (a shard as a value)', () => {
    const { flags, positionals } = parse('--from', '-80');
    expect(flags.from).toBe('-80');
    expect(positionals).toEqual([]);
    expect(parse('--from=-80').flags.from).toBe('-80');
  });

  it('keeps a string value as a string, never a number', () => {
    expect(parse('--from=-80').flags.from).toBe('-80');
    expect(typeof parse('--env', '123').flags.env).toBe('string');
  });

  it('booleans: bare is true, =true/=false set it, anything else is an error', () => {
    expect(parse('--dry-run').flags['dry-run']).toBe(true);
    expect(parse('--dry-run=true').flags['dry-run']).toBe(true);
    expect(parse('--dry-run=false').flags['dry-run']).toBe(false);
    expect(usageError(() => parse('--dry-run=yes')).message).toBe(
      '--dry-run takes no value (or =true/=false)',
    );
  });

  it('a boolean does not swallow the next word', () => {
    const { flags, positionals } = parse('--dry-run', '-80');
    expect(flags['dry-run']).toBe(true);
    expect(positionals).toEqual(['-80']);
  });

  it('numbers, with underscores as digit separators, negative and fractional', () => {
    expect(parse('--rows=1_000_000').flags.rows).toBe(1_000_000);
    expect(parse('--rows', '42').flags.rows).toBe(42);
    expect(parse('--rows=-5').flags.rows).toBe(-5);
    expect(parse('--rows=2.5').flags.rows).toBe(2.5);
  });

  it.each(['abc', '', ' ', '1_0x', 'Infinity', 'NaN'])('rejects the number %j, quoting it', (raw) => {
    expect(usageError(() => parse(`--rows=${raw}`)).message).toBe(`--rows must be a number, got '${raw}'`);
  });

  it('lists split on commas, trimmed, empty items dropped', () => {
    expect(parse('--shards=-40,40-80').flags.shards).toEqual(['-40', '40-80']);
    expect(parse('--shards', ' -40 , 40-80 ,').flags.shards).toEqual(['-40', '40-80']);
    expect(parse('--shards=0').flags.shards).toEqual(['0']);
  });

  it('rejects an empty list', () => {
    expect(usageError(() => parse('--shards=,')).message).toBe('--shards needs at least one value');
  });

  it('does not share a list default between calls', () => {
    const first = parse().flags.shards;
    first.push('changed');
    expect(parse().flags.shards).toEqual(['-80', '80-']);
    expect(spec.shards.default).toEqual(['-80', '80-']);
  });

  it('the last of a repeated flag wins', () => {
    expect(parse('--env=a', '--env=b').flags.env).toBe('b');
  });

  it('names the unknown flag and every known one', () => {
    const error = usageError(() => parse('--evn=prod'));
    expect(error.message).toBe('unknown flag --evn (known: --env, --dry-run, --rows, --shards, --from)');
    expect(error.code).toBe('USAGE');
  });

  it('reports an unknown bare flag without its value', () => {
    expect(usageError(() => parse('--force')).message).toMatch(/^unknown flag --force \(known: /);
  });

  it('a value is missing at the end, before another flag, or empty', () => {
    expect(usageError(() => parse('--env')).message).toBe('--env needs a value');
    expect(usageError(() => parse('--env', '--dry-run')).message).toBe('--env needs a value');
    expect(usageError(() => parse('--env=')).message).toBe('--env needs a value');
    expect(usageError(() => parse('--rows')).message).toBe('--rows needs a value');
    expect(usageError(() => parse('--shards')).message).toBe('--shards needs a value');
  });
});

describe('scriptArgs', () => {
  const dir = makeTempDir('toolkit-args-');
  const script = join(dir, 'scripts', 'reshard.mjs');
  mkdirSync(join(dir, 'scripts'));
  writeFileSync(script, '');
  const link = join(dir, 'reshard-link.mjs');
  symlinkSync(script, link);
  const url = pathToFileURL(script).href;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the words after the script path in a zx-like argv', () => {
    const argv = ['/usr/bin/node', '/repo/node_modules/.bin/zx', script, '-80', '-40,40-80', '--dry-run'];
    expect(scriptArgs(url, argv)).toEqual(['-80', '-40,40-80', '--dry-run']);
  });

  it('finds the script by a relative path', () => {
    const argv = ['/usr/bin/node', '/repo/node_modules/.bin/zx', relative(process.cwd(), script), '-80'];
    expect(scriptArgs(url, argv)).toEqual(['-80']);
  });

  it('finds the script through a symlink', () => {
    const argv = ['/usr/bin/node', '/repo/node_modules/.bin/zx', link, '-80', '80-'];
    expect(scriptArgs(url, argv)).toEqual(['-80', '80-']);
  });

  it('works when node runs the script directly', () => {
    expect(scriptArgs(url, ['/usr/bin/node', script, '--env=prod'])).toEqual(['--env=prod']);
  });

  it('gives nothing when the script is the last word', () => {
    expect(scriptArgs(url, ['/usr/bin/node', 'zx', script])).toEqual([]);
  });

  it('falls back to the words after argv[1] when the script is not found', () => {
    expect(scriptArgs(url, ['/usr/bin/node', '/elsewhere/other.mjs', '-80', '80-'])).toEqual(['-80', '80-']);
  });

  it('does not take argv[0] for the script', () => {
    expect(scriptArgs(url, [script, 'zx', '-80'])).toEqual(['-80']);
  });
});

describe('usage', () => {
  it('lists each flag with its argument, description and default', () => {
    const text = usage('reshard', 'Reshards chat_message.', spec, '<from> <to> ');
    const lines = text.split('\n');
    expect(lines[0]).toBe('usage: npx zx scripts/reshard.mjs <from> <to> [flags]');
    expect(lines[2]).toBe('Reshards chat_message.');
    expect(lines[4]).toBe('flags:');
    expect(text).toContain(`${'  --env <string>'.padEnd(30)}environment (default local)`);
    expect(text).toContain(`${'  --dry-run'.padEnd(30)}plan only`);
    expect(text).toContain(`${'  --rows <number>'.padEnd(30)}rows to write`);
    expect(text).toContain(`${'  --shards <a,b,...>'.padEnd(30)}target shards (default -80,80-)`);
  });

  it('has a single space where no positional is given', () => {
    expect(usage('replication', 's', {}).split('\n')[0]).toBe(
      'usage: npx zx scripts/replication.mjs [flags]',
    );
  });
});

describe('edge cases found by mutation testing', () => {
  it('finds the script among the words even when its path does not exist on disk', () => {
    const url = pathToFileURL('/nonexistent-dir/script.mjs').href;
    expect(scriptArgs(url, ['node', 'zx', '/nonexistent-dir/script.mjs', '-80'])).toEqual(['-80']);
  });

  it('sets only the flags that have a default or were given', () => {
    const parsed = parseArgs([], {
      env: { type: 'string', description: 'environment' },
      json: { type: 'boolean', default: false, description: 'json' },
    });
    expect(Object.keys(parsed.flags)).toEqual(['json']);
  });

  it('prints usage with the command, the summary and each flag with its default', () => {
    const text = usage(
      'reshard',
      'Reshards a keyspace.',
      {
        env: { type: 'string', default: 'local', description: 'environment' },
        'dry-run': { type: 'boolean', default: false, description: 'plan only' },
        shards: { type: 'list', description: 'target shards' },
      },
      '<source> ',
    );
    expect(text).toBe(
      [
        'usage: npx zx scripts/reshard.mjs <source> [flags]',
        '',
        'Reshards a keyspace.',
        '',
        'flags:',
        '  --env <string>              environment (default local)',
        '  --dry-run                   plan only',
        '  --shards <a,b,...>          target shards',
      ].join('\n'),
    );
    expect(usage('up', 'Starts it.', {}).split('\n')[0]).toBe('usage: npx zx scripts/up.mjs [flags]');
  });
});
