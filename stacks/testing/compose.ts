import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { composeDir } from '../shared-files.ts';

export interface ComposeResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs docker-compose (Debian's 1.29, no engine needed for `config`) on files under compose/ with exactly
 * `env` and an empty env file, so a developer's compose/.env or shell cannot change the result.
 * Throws when docker-compose is missing: the compose files would go unchecked.
 */
export function composeRun(files: string[], args: string[], env: Record<string, string> = {}): ComposeResult {
  const found = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      'docker-compose is not installed, so the compose files cannot be validated: apt-get install -y --no-install-recommends docker-compose',
    );
  }
  const scratch = makeTempDir('compose-test-');
  try {
    const envFile = join(scratch, 'empty.env');
    writeFileSync(envFile, '');
    const fileArgs = files.flatMap((f) => ['-f', join(composeDir, f)]);
    const result = spawnSync('docker-compose', ['--env-file', envFile, ...fileArgs, ...args], {
      cwd: composeDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface ComposeService {
  image?: string;
  command?: string[];
  /** docker-compose 1.29 renders the short forms: "ip:published:target/proto", "source:target:mode". */
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string | null>;
  /** Short entries are rendered as a map; long ones keep their condition. */
  depends_on?: Record<string, { condition?: string }>;
  restart?: string;
  healthcheck?: { disable?: boolean; test?: string[] };
  networks?: Record<string, { aliases?: string[] } | null>;
  build?: { context: string; dockerfile: string };
  /** Rendered in the long form: the secret's name, and where it is mounted when not /run/secrets/<name>. */
  secrets?: Array<{ source: string; target?: string }>;
}

/** `docker-compose config` of the files: the services as compose would run them. */
export function composeServices(
  files: string[],
  env: Record<string, string> = {},
): Record<string, ComposeService> {
  const result = composeRun(files, ['config'], env);
  if (result.status !== 0 || result.stderr !== '')
    throw new Error(`docker-compose config failed: ${result.stderr}`);
  return (parse(result.stdout) as { services: Record<string, ComposeService> }).services;
}
