import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Inventory, MysqlNode } from '../inventory/schema.ts';
import {
  localSecretsFile,
  readLocalSecrets,
  readLocalSecretsForUpdate,
  resolveSecret,
} from '../inventory/secrets.ts';
import type { InventorySource } from '../inventory/source.ts';
import { MysqlSession } from '../mysql/session.ts';
import { ToolkitError } from '../procedure/errors.ts';
import { registerSecret } from '../procedure/redact.ts';
import type { Run } from '../procedure/run.ts';
import { acceptBothStatement, execUnlogged, hostParts, logsIn, onlyNewStatement } from './dual-password.ts';
import { restartLocalConsumers } from './local-consumers.ts';
import type { RotatableAccount } from './rotatable-accounts.ts';
import { type PendingRotation, RotationState } from './rotation-state.ts';
import { writeSecretJson, writeWhole } from './secret-json.ts';

export interface RotateOptions {
  /** Finish a pending rotation only: with none pending, every step checks and changes nothing. */
  resume: boolean;
}

/** Test-only: `after:<point>` SIGKILLs the runbook right after that step, to prove a rerun converges. */
export const faultVariable = 'ROTATE_PASSWORD_TEST_FAULT';
export const faultPoints = ['generated', 'accepted', 'stored', 'consumers', 'refused'] as const;

function faultAfter(point: (typeof faultPoints)[number]): void {
  if (process.env[faultVariable] === `after:${point}`) process.kill(process.pid, 'SIGKILL');
}

/**
 * Rotates one account's password with no moment where a client holding either password is refused:
 * 1. the new password is written to the rotation state (0600) before any server hears of it;
 * 2. every node (master and slaves, each by itself, binlog off) accepts it beside the old one;
 * 3. the environment's store gets it (local: .local/secrets.json, atomically; a stack: the operator's
 *    `pulumi config set --secret` and `pulumi up`, handed over and checked on the rerun);
 * 4. the consumers are restarted onto it one at a time (local environment);
 * 5. every node refuses the old one; 6. the rotation state is cleared.
 * Each step reads before it acts, so a run interrupted anywhere converges when run again.
 */
export async function rotatePasswordProcedure(
  run: Run,
  inventory: Inventory,
  source: InventorySource,
  account: RotatableAccount,
  options: RotateOptions,
): Promise<void> {
  const { user, password: ref } = account.credential;
  const state = new RotationState(source.stateDir);
  const current = resolveSecret(ref);
  const nodes = [inventory.mysql.master, ...inventory.mysql.slaves];

  await run.converge({
    name: 'new password',
    host: 'local',
    read: async () => state.get(user),
    diff: (pending) =>
      pending || options.resume ? null : `generate a new password for '${user}' into ${state.file} (0600)`,
    describe: (pending) =>
      pending
        ? `resuming the rotation of '${user}' started at ${pending.startedAt}`
        : `no rotation of '${user}' pending: checking only`,
    apply: async () => {
      const next = randomBytes(24).toString('base64url');
      registerSecret(next);
      state.set(user, { next, previous: current, startedAt: new Date().toISOString() });
    },
    verify: async () => (state.get(user) ? 'written before any server is told' : undefined),
  });
  const pending = state.get(user);
  if (!pending) {
    if (run.dryRun && !options.resume)
      run.note(
        'then: each node accepts both passwords, the store gets the new one, consumers restart, the old one is refused',
      );
    if (run.dryRun || !options.resume) return;
  }
  faultAfter('generated');
  const target = pending?.next ?? current;

  const rotation: Rotation = { user, target, pending };
  for (const node of nodes) await acceptNew(run, await adminSession(run, inventory, node), rotation);
  faultAfter('accepted');

  if (!(await store(run, source, account, target, inventory.name))) return;
  faultAfter('stored');

  // A local: reference is the local environment's secret, whose consumers are its own processes.
  if (ref.startsWith('local:')) await restartLocalConsumers(run, account.name, pending !== undefined);
  else run.note(`${account.consumers}: recreated by the \`pulumi up\` above`);
  faultAfter('consumers');

  for (const node of nodes) await refuseOld(run, await adminSession(run, inventory, node), rotation);
  faultAfter('refused');

  await run.converge({
    name: 'rotation finished',
    host: 'local',
    read: async () => state.get(user) !== undefined,
    diff: (open) => (open ? `forget the old password (clear '${user}' from ${state.file})` : null),
    describe: () => `'${user}' logs in with ${ref} only`,
    apply: async () => {
      state.clear(user);
      rmSync(handOverFile(source, user), { force: true });
    },
  });
}

/** The account being rotated: its new password (the stored one when nothing is pending) and what is pending. */
interface Rotation {
  user: string;
  target: string;
  pending: PendingRotation | undefined;
}

async function adminSession(run: Run, inventory: Inventory, node: MysqlNode): Promise<MysqlSession> {
  const session = await MysqlSession.open(node, inventory.mysql.admin);
  run.onClose(() => session.close());
  return session;
}

async function accountHosts(session: MysqlSession, user: string): Promise<string[]> {
  const hosts = await hostParts(session, user);
  if (!hosts.length)
    throw new ToolkitError(
      `'${user}' has no account on ${session.node.name}: run scripts/replication.mjs first`,
    );
  return hosts;
}

/** The account's host parts on the session's node, and whether the new and (while pending) the old password log in. */
async function readLogins(
  session: MysqlSession,
  { user, target, pending }: Rotation,
): Promise<{ hosts: string[]; newOk: boolean; oldOk: boolean }> {
  const { node } = session;
  return {
    hosts: await accountHosts(session, user),
    newOk: await logsIn(node, user, target),
    oldOk: pending ? await logsIn(node, user, pending.previous) : false,
  };
}

async function acceptNew(run: Run, session: MysqlSession, rotation: Rotation): Promise<void> {
  const { node } = session;
  const { user, target, pending } = rotation;
  await run.converge({
    name: 'new password accepted',
    host: node.name,
    read: () => readLogins(session, rotation),
    diff: (s) => {
      if (s.newOk) return null;
      if (!pending) throw new ToolkitError(`${node.name} refuses the stored password of '${user}'`);
      if (!s.oldOk)
        throw new ToolkitError(
          `${node.name} refuses both the old and the new password of '${user}': changed outside this runbook?`,
        );
      return `accept the new password of ${s.hosts.map((h) => `'${user}'@'${h}'`).join(', ')} beside the old one`;
    },
    describe: (s) =>
      pending && s.oldOk ? 'accepts both the old and the new password' : 'accepts the password',
    apply: async (s) => {
      await execUnlogged(
        session,
        s.hosts.map((h) => acceptBothStatement(session, user, h, target, pending!.previous)),
      );
    },
  });
}

async function refuseOld(run: Run, session: MysqlSession, rotation: Rotation): Promise<void> {
  const { node } = session;
  const { user, target } = rotation;
  const read = () => readLogins(session, rotation);
  await run.converge({
    name: 'old password refused',
    host: node.name,
    read,
    diff: (s) => (s.oldOk ? `refuse the old password of '${user}'` : null),
    describe: (s) => (s.newOk ? 'accepts the new password only' : 'refuses the new password'),
    apply: async (s) => {
      await execUnlogged(
        session,
        s.hosts.map((h) => onlyNewStatement(session, user, h, target)),
      );
    },
    verify: async () => {
      const after = await read();
      if (after.oldOk || !after.newOk)
        throw new ToolkitError(`${node.name}: the old password still logs in or the new one does not`);
      return 'old password refused, new one accepted';
    },
  });
}

/** Where a stack's new password waits (0600) for `pulumi config set --secret … < file`. */
function handOverFile(source: InventorySource, user: string): string {
  return join(source.stateDir, `password-rotation.${user}`);
}

/**
 * Puts the new password where the environment keeps it. Local: .local/secrets.json. Otherwise the
 * secret lives in the stack and the operator's environment: hand over the exact commands and stop
 * (false); the rerun finds the reference resolving to the new password and goes on.
 */
async function store(
  run: Run,
  source: InventorySource,
  account: RotatableAccount,
  target: string,
  env: string,
): Promise<boolean> {
  const ref = account.credential.password;
  if (ref.startsWith('local:')) {
    const key = ref.slice('local:'.length);
    const file = localSecretsFile();
    await run.converge({
      name: 'stored',
      host: 'local',
      read: async () => readLocalSecrets()[key],
      diff: (stored) =>
        stored === target ? null : `store the new password as ${key} in ${file} (0600, atomically)`,
      describe: () => `${file} holds it as ${key}`,
      apply: async () => {
        writeSecretJson(file, { ...readLocalSecretsForUpdate(), [key]: target });
      },
    });
    return true;
  }
  if (resolveSecret(ref) === target) {
    await run.check('stored', env, async () => `${ref} holds the new password`);
    return true;
  }
  const file = handOverFile(source, account.credential.user);
  writeWhole(file, target, 0o600);
  const variable = ref.startsWith('env:') ? ref.slice(4) : undefined;
  const steps = [
    account.stackKey
      ? `pulumi config set --secret ${account.stackKey} -s ${env} < ${file} && pulumi up -s ${env}`
      : `give ${account.consumers} the password in ${file}`,
    variable ? `export ${variable}="$(cat ${file})"` : `put the password in ${file} where ${ref} points`,
    `npx zx scripts/rotate-password.mjs ${account.name} --env ${env} (refuses the old password)`,
  ];
  await run.step('stored', env, async () => ({
    status: 'changed',
    detail: `handed over: every node accepts both passwords; now ${steps.map((s, i) => `(${i + 1}) ${s}`).join(' ')}`,
  }));
  return false;
}
