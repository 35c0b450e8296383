import { format } from 'mysql2';
import type { SecretRef } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import type { Run } from '../procedure/run.ts';
import { MysqlSession, type SqlValue } from './session.ts';

/** Privileges on one level: every table (`*.*`), one database (`db`.*) or one table (`db`.`t`). */
export interface Grant {
  privileges: string[];
  database?: string;
  table?: string;
}

/** An account exactly as it must be: who, from where, its password by reference and its whole privilege set. */
export interface Account {
  user: string;
  host: string;
  password: SecretRef;
  /** Everything it may do, and nothing more: a privilege it holds beyond these is revoked. */
  grants: Grant[];
  /** What the report says the account is for, e.g. "REPLICATION SLAVE only". */
  purpose: string;
}

interface AccountState {
  exists: boolean;
  /** Canonical "PRIVILEGE ON level" entries, one per privilege (USAGE left out). */
  privileges: string[];
  passwordOk: boolean;
}

interface AccountPlan {
  create: boolean;
  setPassword: boolean;
  missing: string[];
  extra: string[];
}

/**
 * Converges one account on one node: creates it, resets a password that differs from its secret,
 * grants what is missing and, when it holds more than it should, revokes everything and grants its
 * exact set again. Accounts are kept on every node (so a promoted slave serves them too) and so
 * are written with the binlog off: they add no GTID of their own and replicate nowhere. The
 * statements it runs are recorded into the step, masked.
 */
export async function ensureAccount(
  run: Run,
  session: MysqlSession,
  step: string,
  account: Account,
): Promise<void> {
  const { user, host } = account;
  const who = `'${user}'@'${host}'`;
  await run.converge({
    name: step,
    host: session.node.name,
    read: () => readAccount(session, user, host, resolveSecret(account.password)),
    diff: (state) => describePlan(planFor(account, state), account, who),
    describe: () => `${who}: ${account.purpose}`,
    apply: async (state) => {
      await applyPlan(session, account, planFor(account, state));
    },
  });
}

function planFor(account: Account, state: AccountState): AccountPlan {
  const wanted = account.grants.flatMap(privilegeEntries);
  return {
    create: !state.exists,
    setPassword: state.exists && !state.passwordOk,
    missing: wanted.filter((p) => !state.privileges.includes(p)),
    extra: state.privileges.filter((p) => !wanted.includes(p)),
  };
}

function describePlan(plan: AccountPlan, account: Account, who: string): string | null {
  const parts: string[] = [];
  if (plan.create) return `create ${who} with ${account.purpose}`;
  if (plan.setPassword) parts.push(`reset the password of '${account.user}' from ${account.password}`);
  if (plan.extra.length)
    parts.push(`reduce '${account.user}' to ${account.purpose} (drop ${plan.extra.join('; ')})`);
  else if (plan.missing.length) parts.push(`grant '${account.user}' ${plan.missing.join('; ')}`);
  return parts.length ? parts.join(', ') : null;
}

async function applyPlan(session: MysqlSession, account: Account, plan: AccountPlan): Promise<void> {
  await session.exec('SET SESSION sql_log_bin = 0');
  try {
    for (const statement of accountStatements(account, resolveSecret(account.password), plan))
      await session.exec(statement.sql, statement.values);
  } finally {
    await session.exec('SET SESSION sql_log_bin = 1');
  }
}

/**
 * The whole script for accounts on a server that can only be reached as its socket's root (before
 * the toolkit's admin exists): binlog off, then each account created or re-passworded and given
 * exactly its grants. Holds the passwords: it goes to the client on stdin, never as an argument.
 */
export function accountScript(accounts: Account[]): string {
  const lines = ['SET SESSION sql_log_bin = 0'];
  for (const account of accounts)
    for (const { sql, values } of accountStatements(account, resolveSecret(account.password)))
      lines.push(format(sql, values));
  return `${lines.join(';\n')};\n`;
}

/**
 * The statements that bring an account to its wanted state, with placeholders; without a plan,
 * all of them (create, re-password, revoke, grant).
 */
function accountStatements(
  account: Account,
  password: string,
  plan?: AccountPlan,
): Array<{ sql: string; values: SqlValue[] }> {
  const { user, host } = account;
  const statements: Array<{ sql: string; values: SqlValue[] }> = [];
  if (!plan || plan.create)
    statements.push({ sql: 'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', values: [user, host, password] });
  if (!plan || plan.setPassword)
    statements.push({ sql: 'ALTER USER ?@? IDENTIFIED BY ?', values: [user, host, password] });
  const reduce = !plan || plan.extra.length > 0;
  if (reduce) statements.push({ sql: 'REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@?', values: [user, host] });
  for (const grant of account.grants) {
    const entries = privilegeEntries(grant);
    if (!reduce && plan && !entries.some((e) => plan.missing.includes(e))) continue;
    statements.push(grantStatement(grant, user, host));
  }
  return statements;
}

function grantStatement(grant: Grant, user: string, host: string): { sql: string; values: SqlValue[] } {
  const privileges = grant.privileges.map(checkedPrivilege);
  const option = privileges.includes('GRANT OPTION');
  const list = privileges.filter((p) => p !== 'GRANT OPTION').join(', ') || 'USAGE';
  const { level, values } = levelPlaceholders(grant);
  return {
    sql: `GRANT ${list} ON ${level} TO ?@?${option ? ' WITH GRANT OPTION' : ''}`,
    values: [...values, user, host],
  };
}

function levelPlaceholders(grant: Grant): { level: string; values: SqlValue[] } {
  if (grant.database === undefined) return { level: '*.*', values: [] };
  if (grant.table === undefined) return { level: '??.*', values: [grant.database] };
  return { level: '??.??', values: [grant.database, grant.table] };
}

// Privilege names are keywords, not values: they cannot be placeholders, so only known shapes pass.
function checkedPrivilege(privilege: string): string {
  const upper = privilege.trim().toUpperCase();
  if (!/^[A-Z]+( [A-Z]+)*$/.test(upper)) throw new Error(`not a privilege name: ${privilege}`);
  return upper;
}

/** "REPLICATION SLAVE ON *.*" per privilege, for comparison with what SHOW GRANTS says. */
function privilegeEntries(grant: Grant): string[] {
  const level =
    grant.database === undefined
      ? '*.*'
      : `${quoteIdentifier(grant.database)}.${grant.table === undefined ? '*' : quoteIdentifier(grant.table)}`;
  return grant.privileges.map((p) => `${canonicalPrivilege(checkedPrivilege(p))} ON ${level}`);
}

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

// MariaDB 10.5+ shows REPLICATION CLIENT as BINLOG MONITOR; ALL is ALL PRIVILEGES.
function canonicalPrivilege(privilege: string): string {
  if (privilege === 'BINLOG MONITOR') return 'REPLICATION CLIENT';
  if (privilege === 'ALL') return 'ALL PRIVILEGES';
  return privilege;
}

/** SHOW GRANTS lines → one "PRIVILEGE ON level" entry per privilege, GRANT OPTION included, USAGE left out. */
export function grantEntries(lines: string[]): string[] {
  const entries: string[] = [];
  for (const line of lines) {
    const match = /^GRANT (.+?) ON (\S+) TO .*?( WITH GRANT OPTION)?$/i.exec(line.trim());
    if (!match) continue;
    const level = match[2]!;
    for (const privilege of match[1]!.split(/,\s*(?![^()]*\))/)) {
      // Upper case for the keyword only: a column list keeps its names as they are.
      const name = canonicalPrivilege(privilege.trim().replace(/^[^(]+/, (word) => word.toUpperCase()));
      if (name !== 'USAGE') entries.push(`${name} ON ${level}`);
    }
    if (match[3]) entries.push(`GRANT OPTION ON ${level}`);
  }
  return entries;
}

/** "GRANT X ON y TO `u`@`%` IDENTIFIED BY PASSWORD '...'" → "X ON y", privileges in a stable order. */
export function normalizeGrant(grant: string): string {
  const entries = grantEntries([grant]);
  if (!entries.length) return grant;
  const level = entries[0]!.slice(entries[0]!.indexOf(' ON ') + 4);
  const order = ['RELOAD', 'REPLICATION SLAVE', 'REPLICATION CLIENT'];
  const rank = (p: string) => (order.includes(p) ? order.indexOf(p) : order.length);
  const privileges = entries.map((e) => e.slice(0, e.indexOf(' ON '))).sort((a, b) => rank(a) - rank(b));
  return `${privileges.join(', ')} ON ${level}`;
}

async function readAccount(
  session: MysqlSession,
  user: string,
  host: string,
  password: string,
): Promise<AccountState> {
  const exists =
    (await session.value('SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?', [user, host])) !==
    '0';
  if (!exists) return { exists, privileges: [], passwordOk: false };
  const rows = await session.query('SHOW GRANTS FOR ?@?', [user, host]);
  const privileges = grantEntries(rows.map((r) => String(Object.values(r)[0])));
  return { exists, privileges, passwordOk: await passwordMatches(session, user, host, password) };
}

/** Whether user@host has this password: MariaDB compares hashes; MySQL salts them, so it tries a login. */
async function passwordMatches(
  session: MysqlSession,
  user: string,
  host: string,
  password: string,
): Promise<boolean> {
  if (session.flavor.version.kind === 'mariadb') {
    const stored = await session.value(
      'SELECT authentication_string FROM mysql.user WHERE User = ? AND Host = ?',
      [user, host],
    );
    return stored !== null && stored === (await session.value('SELECT PASSWORD(?)', [password]));
  }
  try {
    await (await MysqlSession.login(session.node, user, password, { timeoutMs: 3000 })).close();
    return true;
  } catch {
    return false;
  }
}
