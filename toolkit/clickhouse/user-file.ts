import { createHash } from 'node:crypto';

/**
 * The `app` user as a users.d file holding only the password's SHA-256: the image's CLICKHOUSE_PASSWORD
 * variable would show the password to `docker inspect`, and the image reads no `*_FILE` form of it. The
 * image's own default user, given no password, is left to local connections (its entrypoint's rule).
 * Compose (toolkit/secrets/compose-secrets.ts) and the stacks (stacks/clickhouse-user.ts) mount the same.
 */
export function clickhouseUserXml(password: string): string {
  const hash = createHash('sha256').update(password).digest('hex');
  return [
    '<clickhouse>',
    '  <users>',
    '    <app>',
    `      <password_sha256_hex>${hash}</password_sha256_hex>`,
    '      <networks><ip>::/0</ip></networks>',
    '      <profile>default</profile>',
    '      <quota>default</quota>',
    '    </app>',
    '  </users>',
    '</clickhouse>',
    '',
  ].join('\n');
}
