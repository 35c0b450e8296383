import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../lib/temp-dirs.ts';
import { projectName, repoRoot, stackConfigFile, testSecrets } from './testing/run-stack.ts';

const project = parse(readFileSync(join(repoRoot, 'Pulumi.yaml'), 'utf8')) as {
  name: string;
  main: string;
  runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
};

describe('Pulumi.yaml', () => {
  it('names the project the config keys use and the entry point that exists', () => {
    expect(project.name).toBe(projectName);
    expect(project.main).toBe('stacks/index.ts');
    expect(
      Object.keys(stackConfigFile('dev')).filter(
        (k) => !k.startsWith('gcp:') && !k.startsWith(`${projectName}:`),
      ),
    ).toEqual([]);
  });

  it('loads the entry the way the CLI will: node with the nodeargs of Pulumi.yaml, no ts-node', () => {
    expect(project.runtime).toMatchObject({ name: 'nodejs', options: { typescript: false } });
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(stackConfigFile('dev'))) {
      config[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    for (const [key, value] of Object.entries(testSecrets)) config[`${projectName}:${key}`] = value;
    const result = spawnSync(
      process.execPath,
      [
        ...project.runtime.options.nodeargs.split(' '),
        join(repoRoot, 'stacks', 'testing', 'entry-under-node.ts'),
      ],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        // The program writes the stack's known_hosts under HOME: a scratch one.
        env: {
          ...process.env,
          HOME: makeTempDir('entry-home-'),
          STACK_TEST_CONFIG: JSON.stringify(config),
          STACK_TEST_STACK: 'dev',
        },
        timeout: 120_000,
      },
    );
    expect(result.stderr).toBe('');
    const inventory = JSON.parse(result.stdout) as { mysql: { master: { host: string; port: number } } };
    // This mock gives every address, internal ones included, the same value.
    expect(inventory.mysql.master).toEqual({
      name: 'db',
      host: '192.0.2.1',
      port: 10100,
      replicationHost: '192.0.2.1',
    });
  });
});
