import type { MysqlTarget } from '../../app/src/ops.ts';
import type { Credential, Inventory } from '../inventory/schema.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import type { FlagSpecs } from '../procedure/args.ts';
import { UsageError } from '../procedure/errors.ts';
import type { RunbookDefinition } from '../procedure/main.ts';
import { type GenerateTargets, generateProcedure } from './generate-procedure.ts';

const flags = {
  friends: { type: 'number', description: 'friends per new user', default: 3 },
  posts: {
    type: 'number',
    description: 'posts per new user (a fraction: 0.1 = one per ten users)',
    default: 0.1,
  },
  dialogs: { type: 'number', description: 'dialogs per new user (each of 4 messages)', default: 0.01 },
  chunk: { type: 'number', description: 'rows per LOAD DATA statement', default: 100_000 },
  'password-env': {
    type: 'string',
    description: 'environment variable with the password of generated users (default: see docs/app.md)',
  },
  'keep-index': {
    type: 'boolean',
    description: 'load into an empty table without dropping the name index first',
    default: false,
  },
  seed: { type: 'number', description: 'random seed (same seed, same users)', default: 42 },
} as const satisfies FlagSpecs;

/** The password generated users share, documented in docs/app.md: they exist for load tests and demos. */
export const defaultGeneratedPassword = 'otus-highload';

/** The master (and chat_message's connection) as the app's own account sees them: rows only. */
export function generateTargets(inventory: Inventory): GenerateTargets {
  return targetsAs(inventory, inventory.mysql.app);
}

/**
 * The same connections as the migrations' account (DDL on the schema), for what changes the schema:
 * migrations and the users generator (it drops and rebuilds indexes around a bulk load). An inventory
 * without `mysql.migrate` migrates with the app's account.
 */
export function migrateTargets(inventory: Inventory): GenerateTargets {
  return targetsAs(inventory, inventory.mysql.migrate ?? inventory.mysql.app);
}

function targetsAs(inventory: Inventory, credential: Credential): GenerateTargets {
  const { master, database } = inventory.mysql;
  const main: MysqlTarget = {
    host: master.host,
    port: master.port,
    user: credential.user,
    password: resolveSecret(credential.password),
    database,
  };
  const chatInventory = inventory.chatMysql;
  const chat: MysqlTarget = chatInventory
    ? {
        host: chatInventory.host,
        port: chatInventory.port,
        database: chatInventory.database,
        user: chatInventory.credential.user,
        password: resolveSecret(chatInventory.credential.password),
      }
    : main;
  return { master: main, chat, host: master.name };
}

export const generateRunbook: RunbookDefinition<typeof flags> = {
  name: 'generate-users',
  summary:
    'Tops the user table up to <count> users with realistic names, cities, birthdates and biographies, plus\n' +
    'friendships, posts and dialogs, streamed with LOAD DATA LOCAL INFILE (a million users in well under a minute).',
  positionalUsage: '<count>',
  flags,
  validate: (f, positionals) => {
    const count = Number((positionals[0] ?? '').replaceAll('_', ''));
    if (positionals.length !== 1 || !Number.isInteger(count) || count < 1 || count > 100_000_000) {
      throw new UsageError('give the target number of users, e.g. npx zx scripts/generate-users.mjs 1000000');
    }
    if (f.friends < 0 || f.friends > 100) throw new UsageError('--friends must be 0..100');
    if (f.posts < 0 || f.posts > 100 || f.dialogs < 0 || f.dialogs > 0.5)
      throw new UsageError('--posts must be 0..100, --dialogs 0..0.5');
    if (f.chunk < 1000 || f.chunk > 1_000_000) throw new UsageError('--chunk must be 1000..1000000');
  },
  procedure: async (run, { inventory, flags: f, positionals }) => {
    const passwordEnv = f['password-env'];
    const password = passwordEnv ? process.env[passwordEnv] : defaultGeneratedPassword;
    if (!password) throw new UsageError(`--password-env ${passwordEnv}: the variable is not set`);
    await generateProcedure(run, migrateTargets(inventory), {
      target: Number(positionals[0]!.replaceAll('_', '')),
      friendsPerUser: f.friends,
      postsPerUser: f.posts,
      dialogsPerUser: f.dialogs,
      chunkRows: f.chunk,
      password,
      deferIndex: !f['keep-index'],
      seed: f.seed,
    });
  },
};
