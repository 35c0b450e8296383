import type * as pulumi from '@pulumi/pulumi';
import { clickhouseUserXml } from '../toolkit/clickhouse/user-file.ts';

/** Where ClickHouse merges extra users from (the image's users.xml includes users.d/). */
export const clickhouseUserPath = '/etc/clickhouse-server/users.d/app-user.xml';

/** The `app` user's users.d file (toolkit/clickhouse/user-file.ts): only the password's SHA-256. */
export function clickhouseUserFile(password: pulumi.Output<string>): pulumi.Output<string> {
  return password.apply(clickhouseUserXml);
}
