import { createHash } from 'node:crypto';
import type * as pulumi from '@pulumi/pulumi';

/** Where ClickHouse merges extra users from (the image's users.xml includes users.d/). */
export const clickhouseUserPath = '/etc/clickhouse-server/users.d/app-user.xml';

/**
 * The `app` user as a users.d file holding only the password's SHA-256: the image's CLICKHOUSE_PASSWORD
 * variable would show the password to `docker inspect`, and the image reads no `*_FILE` form of it. The
 * image's own default user, given no password, is left to local connections (its entrypoint's rule).
 */
export function clickhouseUserFile(password: pulumi.Output<string>): pulumi.Output<string> {
  return password.apply((secret) => {
    const hash = createHash('sha256').update(secret).digest('hex');
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
  });
}
