import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { recordImage } from './record-image.ts';
import { repoRoot } from './testing/run-stack.ts';

const digest = `sha256:${'9f86d081884c7d65'.repeat(4)}`;
const prodConfig = () => readFileSync(join(repoRoot, 'Pulumi.prod.yaml'), 'utf8');

describe('record-image', () => {
  it('sets one image by digest and keeps every other value and comment of the stack config', () => {
    const ref = `europe-west1-docker.pkg.dev/highload-social-prod/images/app@${digest}`;
    const before = prodConfig();
    const after = recordImage(before, 'app', ref);
    const [b, a] = [parse(before).config, parse(after).config];
    expect(a['highload-social:images'].app).toBe(ref);
    expect({ ...a, 'highload-social:images': null }).toEqual({ ...b, 'highload-social:images': null });
    expect({ ...a['highload-social:images'], app: null }).toEqual({
      ...b['highload-social:images'],
      app: null,
    });
    // Only the app line changed: comments and order stay.
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(changed).toEqual([`    app: ${ref}`]);
  });

  it('refuses a tag, an unknown service, and says so in one line with exit 2', () => {
    expect(() => recordImage(prodConfig(), 'app', 'app:1.2.3')).toThrow(
      '--image app:1.2.3: not a reference by digest (name@sha256:<64 hex>)',
    );
    expect(() => recordImage(prodConfig(), 'postgres', `postgres@${digest}`)).toThrow(
      /--service postgres: not an image/,
    );
    const run = spawnSync(
      'node',
      [
        '--import',
        'tsx',
        'stacks/record-image.ts',
        '--stack',
        'prod',
        '--service',
        'app',
        '--image',
        'app:1',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect([run.status, run.stderr.trim().split('\n')]).toEqual([
      2,
      ['record-image: --image app:1: not a reference by digest (name@sha256:<64 hex>)'],
    ]);
  });
});
