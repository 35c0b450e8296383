import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { clickhouseUserFile } from './clickhouse-user.ts';

const contentOf = (output: pulumi.Output<string>) =>
  new Promise<string>((resolve) => output.apply((text) => resolve(text)));

describe('ClickHouse app user file', () => {
  it('holds the password only as its SHA-256, for the app user, from any address', async () => {
    const password = 'p<&>ss word';
    const text = await contentOf(clickhouseUserFile(pulumi.output(password)));
    expect(text).not.toContain(password);
    const hash = createHash('sha256').update(password).digest('hex');
    expect(text).toContain(`<app>`);
    expect(text).toContain(`<password_sha256_hex>${hash}</password_sha256_hex>`);
    expect(text).toContain('<networks><ip>::/0</ip></networks>');
    expect(text.startsWith('<clickhouse>')).toBe(true);
  });
});
