import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../lib/temp-dirs.ts';
import { readSecretJson, writeSecretJson } from './secret-json.ts';

let dir = '';
afterEach(() => removeTempDir(dir));

describe('secret JSON files', () => {
  it('reads {} when there is no file, and what was written (0600) when there is', () => {
    dir = makeTempDir('secret-json-test-');
    const file = join(dir, 'sub', 'state.json');
    expect(readSecretJson(file)).toEqual({});
    writeSecretJson(file, { app: 'x' });
    expect(readSecretJson(file)).toEqual({ app: 'x' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not JSON, naming the file and not its content', () => {
    dir = makeTempDir('secret-json-test-');
    const file = join(dir, 'state.json');
    writeFileSync(file, '{"app": "s3cret-value"');
    expect(() => readSecretJson(file)).toThrow(`${file} is not JSON`);
    expect(() => readSecretJson(file)).not.toThrow(/s3cret-value/);
  });
});
