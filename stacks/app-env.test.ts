// The deployed containers' environment against what the programs in them read: the app
// (app/src/platform/config.ts) and the Tarantool replicator (compose/tarantool/replicator.yml, expanded by
// toolkit/tarantool/replicator/config.ts). Fails when compose, the stacks and those drift apart again.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../app/src/ops.ts';
import { makeTempDir } from '../lib/temp-dirs.ts';
import { parseReplicatorConfig, passwordFrom } from '../toolkit/tarantool/replicator/config.ts';
import { StackSettings, secretKeys } from './config.ts';
import { composeDir, readShared, sharedFiles } from './shared-files.ts';
import { composeServices } from './testing/compose.ts';
import {
  isSecretValue,
  type MockedResource,
  repoRoot,
  resourcesOf,
  runStack,
  type StackRun,
  stackConfigFile,
  testSecrets,
  unwrapSecrets,
  withoutSecrets,
} from './testing/run-stack.ts';

type Env = Record<string, string>;

// ---- what the app reads: config.ts's own text, every `read.<kind>('NAME'` and `env.NAME` -------------

const configSource = readFileSync(join(repoRoot, 'app', 'src', 'platform', 'config.ts'), 'utf8');

function appReads(source: string): { names: Set<string>; secrets: Set<string>; required: Set<string> } {
  const names = new Set<string>();
  const secrets = new Set<string>();
  const required = new Set<string>();
  for (const m of source.matchAll(/\bread\s*\.\s*(\w+)\(\s*'([A-Z][A-Z0-9_]*)'/g)) {
    const [, kind, name] = m as unknown as [string, string, string];
    names.add(name);
    // secret and optionalSecret take NAME or NAME_FILE; secret throws when both are missing.
    if (kind === 'secret' || kind === 'optionalSecret') secrets.add(name);
    if (kind === 'secret') required.add(name);
  }
  for (const m of source.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*'([A-Z][A-Z0-9_]*)'\s*\])/g)) {
    names.add((m[1] ?? m[2])!);
  }
  return { names, secrets, required };
}

const app = appReads(configSource);
/** Names a container may set for the app: what it reads, and NAME_FILE for its secrets. */
const appAccepts = new Set([...app.names, ...[...app.secrets].map((s) => `${s}_FILE`)]);

/**
 * Settings under which config.ts reads more: a secret read only there (TARANTOOL_PASSWORD with the
 * Tarantool search) is required all the same, so that a deployment switches with one setting.
 */
const switches: Env[] = [{}, { SEARCH_BACKEND: 'tarantool' }];

/** loadConfig with an env that records every name it asks for. */
function loadRecording(env: Env): { read: Set<string>; config: ReturnType<typeof loadConfig> } {
  const read = new Set<string>();
  const recorder = new Proxy(env, {
    get: (target, key) => {
      if (typeof key === 'string') read.add(key);
      return typeof key === 'string' ? target[key] : undefined;
    },
  });
  return { read, config: loadConfig(recorder) };
}

function isSet(env: Env, name: string): boolean {
  return Boolean(env[name]) || Boolean(env[`${name}_FILE`]);
}

// ---- what the replicator reads: the `${NAME}` of replicator.yml and its passwordEnv names -----------

const replicatorYml = readShared(sharedFiles.replicatorConfig);

function replicatorReads(text: string): { names: Set<string>; required: Set<string> } {
  const names = new Set<string>();
  const required = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('#')) continue; // expandEnv leaves comments alone
    for (const m of line.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(:-[^}]*)?\}/g)) {
      names.add(m[1]!);
      if (m[2] === undefined) required.add(m[1]!);
    }
    const password = /^\s*passwordEnv:\s*([A-Z_][A-Z0-9_]*)\s*(#.*)?$/.exec(line)?.[1];
    if (password) {
      names.add(password);
      names.add(`${password}_FILE`); // or the file it names, as a container secret
      required.add(password); // passwordFrom refuses an unset one
    }
  }
  return { names, required };
}

const replicator = replicatorReads(replicatorYml);

// ---- the deployments --------------------------------------------------------------------------------

const composeFiles = readdirSync(composeDir).filter((f) => /^docker-compose.*\.ya?ml$/.test(f));

/** What a compose secret's file holds in these tests: its name, long enough for the token secret's minimum. */
const composeSecretValue = (secret: string) => `${secret}-${'s'.repeat(32)}`;

/**
 * Compose's rendering drops nothing: a `${X:-}` is an empty value, which both programs read as unset. A
 * `NAME_FILE` names where a compose secret is mounted: that secret's file is written here into a scratch
 * dir (the path rewritten to it), so the real loader reads it.
 */
function composeEnv(service: string, env: Env = {}): Env {
  const rendered = composeServices(composeFiles, env)[service];
  if (!rendered?.environment) throw new Error(`compose service ${service} has no environment`);
  const result: Env = Object.fromEntries(Object.entries(rendered.environment).map(([k, v]) => [k, v ?? '']));
  for (const [key, path] of Object.entries(result)) {
    if (!key.endsWith('_FILE')) continue;
    const secret = (rendered.secrets ?? []).find(
      (s) => (s.target?.startsWith('/') ? s.target : `/run/secrets/${s.target ?? s.source}`) === path,
    );
    if (!secret) throw new Error(`${service}: ${key}=${path} but no secret is mounted there`);
    const local = join(secretsDir, `compose-${service}-${key}`);
    writeFileSync(local, composeSecretValue(secret.source));
    result[key] = local;
  }
  return result;
}

/**
 * The container's environment as its program sees it: a `NAME_FILE` points at the file the stack uploads
 * there, written here into a scratch dir (the path rewritten to it), so the real loader reads it.
 */
function containerEnv(run: StackRun, name: string): Env {
  const container = resourcesOf(run, 'docker:index/container:Container').find((c) => c.name === name);
  if (!container) throw new Error(`no container ${name}`);
  const lines = unwrapSecrets(container.inputs.envs) as string[];
  const env: Env = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const uploads = (unwrapSecrets(container.inputs.uploads) ?? []) as Array<{ file: string; content: string }>;
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || !path) continue;
    const upload = uploads.find((u) => u.file === path);
    if (!upload) throw new Error(`${name}: ${key}=${path} but nothing is uploaded there`);
    const local = join(secretsDir, `${name}-${key}`);
    writeFileSync(local, upload.content);
    env[key] = local;
  }
  return env;
}

const secretsDir = makeTempDir('stack-secret-files-');

function container(run: StackRun, name: string): MockedResource {
  const found = resourcesOf(run, 'docker:index/container:Container').find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

let runs: Record<'dev' | 'prod', StackRun>;
let deployments: Array<{ name: string; app: Env; replicator: Env }>;
beforeAll(async () => {
  runs = { dev: await runStack('dev'), prod: await runStack('prod') };
  deployments = [
    { name: 'compose', app: composeEnv('app'), replicator: composeEnv('tarantool-replicator') },
    ...(['dev', 'prod'] as const).map((stack) => ({
      name: `stack ${stack}`,
      app: containerEnv(runs[stack], `${stack}-app-app`),
      replicator: containerEnv(runs[stack], `${stack}-app-tarantool-replicator`),
    })),
  ];
});

describe('what the app reads (app/src/platform/config.ts)', () => {
  it('is found in config.ts: connections, the token secret, the required ones', () => {
    for (const name of [
      'APP_HOST',
      'APP_PORT',
      'MYSQL_DB',
      'SLAVE_MYSQL_HOSTS',
      'REDIS_HOST',
      'AUTH_TOKEN_SECRET',
    ])
      expect(app.names).toContain(name);
    expect([...app.required].sort()).toEqual(expect.arrayContaining(['AUTH_TOKEN_SECRET', 'MYSQL_PASSWORD']));
  });

  it('misses no name config.ts actually asks the environment for', () => {
    // The reads of a real load, however config.ts spells them, must be among the parsed names.
    const { read } = loadRecording(deployments[0]!.app);
    const unparsed = [...read].filter((n) => !app.names.has(n) && !app.names.has(n.replace(/_FILE$/, '')));
    expect(unparsed).toEqual([]);
  });

  it('requires exactly the parsed required names: with only those set it loads, without any one it refuses', () => {
    const minimal = Object.fromEntries([...app.required].map((n) => [n, 'r'.repeat(48)]));
    for (const setting of switches) expect(() => loadConfig({ ...minimal, ...setting })).not.toThrow();
    for (const name of app.required) {
      const { [name]: _, ...without } = minimal;
      const refusals = switches.map((setting) => {
        try {
          loadConfig({ ...without, ...setting });
          return undefined;
        } catch (error) {
          return error;
        }
      });
      const refusal = refusals.find((e) => e !== undefined);
      expect(refusal, name).toBeInstanceOf(ConfigError);
      expect((refusal as Error).message, name).toContain(name);
    }
  });

  it('is documented, every name, in the repository .env.example', () => {
    const documented = new Set(
      [...readFileSync(join(repoRoot, '.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
        (m) => m[1]!,
      ),
    );
    expect([...app.names].filter((n) => !documented.has(n))).toEqual([]);
    expect([...documented].filter((n) => !app.names.has(n))).toEqual([]);
  });
});

describe('the app container of compose and of both stacks', () => {
  it('sets only names the app reads', () => {
    for (const { name, app: env } of deployments) {
      expect(
        Object.keys(env).filter((k) => !appAccepts.has(k)),
        name,
      ).toEqual([]);
    }
  });

  it('sets every name the app requires', () => {
    for (const { name, app: env } of deployments) {
      expect(
        [...app.required].filter((n) => !isSet(env, n)),
        name,
      ).toEqual([]);
    }
  });

  it('is an environment the app loads (with either search), on all interfaces at the published port', () => {
    for (const { name, app: env } of deployments) {
      for (const setting of switches) expect(() => loadConfig({ ...env, ...setting }), name).not.toThrow();
      const tarantool = loadConfig({ ...env, SEARCH_BACKEND: 'tarantool' }).search;
      expect(tarantool, name).toMatchObject({
        backend: 'tarantool',
        tarantool: { host: 'tarantool', port: 3301, user: 'app' },
      });
      const config = loadConfig(env);
      expect(config.host, name).toBe('0.0.0.0');
      // Compose and the stacks alike write through HAProxy's writer endpoint and read through its reader.
      expect(config.master, name).toMatchObject({
        host: 'haproxy',
        port: 3306,
        user: 'app',
        database: 'app',
      });
      expect(config.chat, name).toMatchObject({ host: 'haproxy', port: 3306, database: 'app' });
      expect(
        config.slaves.map((s) => `${s.host}:${s.port}`),
        name,
      ).toEqual(['haproxy:3307']);
      expect(config.redis, name).toMatchObject({ host: 'redis', port: 6379 });
      expect(config.rabbitmq.url, name).toMatch(/^amqp:\/\/app:[^@]+@rabbitmq:5672\/%2F$/);
      expect(config.auth.tokenSecret.length, name).toBeGreaterThanOrEqual(32);
    }
    // In compose only nginx is published; it reaches the instances on the port they listen on.
    const services = composeServices(composeFiles);
    expect(services.app?.ports).toBeUndefined();
    expect(services['app-2']?.ports).toBeUndefined();
    expect(services.nginx?.ports).toEqual(['127.0.0.1:8080:5000/tcp']);
    expect(loadConfig(deployments[0]!.app).port).toBe(5000);
    // In the stacks too: nginx takes the app port, the instances listen where its shared config reaches them.
    for (const stack of ['dev', 'prod'] as const) {
      for (const name of ['app', 'app-2']) {
        // Their only published port is /metrics, for Prometheus, on the internal address.
        const published = container(runs[stack], `${stack}-app-${name}`).inputs.ports as Array<{
          internal: number;
          ip: string;
        }>;
        expect(published.map((p) => [p.internal, p.ip])).toEqual([
          [9464, runs[stack].outputs.inventory.mysql.master.replicationHost],
        ]);
        expect(loadConfig(containerEnv(runs[stack], `${stack}-app-${name}`)).port).toBe(5000);
      }
      expect(container(runs[stack], `${stack}-app-nginx`).inputs.ports).toEqual([
        { internal: 5000, external: 80 },
      ]);
    }
  });

  it('reaches the stack slaves through HAProxy at their hosts, and compose ones when SLAVE_MYSQL_HOSTS names them', () => {
    // HAProxy reaches each slave inside the stack's network: the slave host's internal address.
    const dev = runs.dev.outputs.inventory.mysql.slaves[0]?.replicationHost;
    const haproxy = container(runs.dev, 'dev-app-haproxy').inputs.uploads as Array<{ content: string }>;
    expect(haproxy[0]?.content).toContain(`server db-slave-1 ${dev}:10101 agent-send "reader db-slave-1\\n"`);
    expect(haproxy[0]?.content).toContain(`server db-slave-2 ${dev}:10102 agent-send "reader db-slave-2\\n"`);
    // Service names with underscores are no host names to the app: the slaves answer to db-slave-N too.
    const services = composeServices(composeFiles);
    for (const n of [1, 2])
      expect(services[`db_slave_${n}`]?.networks?.default?.aliases).toContain(`db-slave-${n}`);
    // By default compose reads through HAProxy's reader endpoint.
    expect(loadConfig(deployments[0]!.app).slaves.map((s) => `${s.host}:${s.port}`)).toEqual([
      'haproxy:3307',
    ]);
    const env = composeEnv('app', { SLAVE_MYSQL_HOSTS: 'db-slave-1:3306,db-slave-2:3306' });
    const password = composeSecretValue('mysql-app-password');
    expect(loadConfig(env).slaves).toEqual([
      { host: 'db-slave-1', port: 3306, user: 'app', password, database: 'app' },
      { host: 'db-slave-2', port: 3306, user: 'app', password, database: 'app' },
    ]);
  });

  it('passes compose/.env settings through to the app under its own names', () => {
    const settings = {
      LOG_LEVEL: 'debug',
      EDGE_NGINX_ADDRESS: '10.9.9.9',
      FEED_SIZE: '500',
      CHAT_MYSQL_HOST: 'vtgate',
      CHAT_MYSQL_PORT: '15306',
      MYSQL_DATABASE: 'social',
    };
    for (const [service, instanceId] of [
      ['app', 1],
      ['app-2', 2],
    ] as const) {
      const config = loadConfig(composeEnv(service, settings));
      expect(config, service).toMatchObject({
        logLevel: 'debug',
        // Only nginx's address on the edge network is believed about the client's address.
        trustProxy: ['10.9.9.9'],
        feed: { size: 500 },
        instanceId,
        master: { database: 'social' },
        chat: { host: 'vtgate', port: 15306, database: 'social' },
      });
    }
  });

  it('passes the stack appEnv through, and Pulumi.<stack>.yaml names only app variables in it', () => {
    const run = runStack('dev', { 'highload-social:appEnv': { LOG_LEVEL: 'warn', FEED_SIZE: 250 } });
    return run.then((r) => {
      expect(loadConfig(containerEnv(r, 'dev-app-app'))).toMatchObject({
        logLevel: 'warn',
        feed: { size: 250 },
      });
      for (const stack of ['dev', 'prod']) {
        const appEnv = (stackConfigFile(stack)['highload-social:appEnv'] ?? {}) as Record<string, unknown>;
        expect(
          Object.keys(appEnv).filter((k) => !appAccepts.has(k)),
          stack,
        ).toEqual([]);
      }
    });
  });

  it('keeps the secrets in Pulumi secret inputs and in compose secrets, named by their files', () => {
    const compose = readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/^ {6}AUTH_TOKEN_SECRET_FILE: \/run\/secrets\/auth-token-secret$/m);
    expect(compose).toMatch(/^ {6}MYSQL_PASSWORD_FILE: \/run\/secrets\/mysql-app-password$/m);
    expect(loadConfig(composeEnv('app'))).toMatchObject({
      auth: { tokenSecret: composeSecretValue('auth-token-secret') },
      master: { password: composeSecretValue('mysql-app-password') },
    });
    expect(secretKeys).toContain('authTokenSecret');
    for (const stack of ['dev', 'prod'] as const) {
      const appContainer = container(runs[stack], `${stack}-app-app`);
      // Every secret as a file: the env holds paths only, the uploads are a secret input and output.
      expect(isSecretValue(appContainer.inputs.uploads), stack).toBe(true);
      expect(appContainer.options.additionalSecretOutputs, stack).toContain('uploads');
      const env = unwrapSecrets(appContainer.inputs.envs) as string[];
      for (const secret of Object.values(testSecrets)) expect(env.join('\n')).not.toContain(secret);
      expect(env).toContain('AUTH_TOKEN_SECRET_FILE=/run/secrets/auth-token-secret');
      expect(loadConfig(containerEnv(runs[stack], `${stack}-app-app`))).toMatchObject({
        auth: { tokenSecret: testSecrets.authTokenSecret },
        master: { password: testSecrets.mysqlAppPassword },
      });
      expect(JSON.stringify(withoutSecrets(appContainer.inputs)), stack).not.toContain(
        testSecrets.authTokenSecret,
      );
    }
  });
});

describe('the replicator container of compose and of both stacks', () => {
  it('finds the names in replicator.yml, required ones without a default', () => {
    expect([...replicator.required].sort()).toEqual([
      'MYSQL_HOST',
      'REPLICATOR_MYSQL_PASSWORD',
      'TARANTOOL_HOST',
      'TARANTOOL_PASSWORD',
    ]);
    expect(replicator.names).toContain('MYSQL_DATABASE');
  });

  it('misses no name the config loader asks the environment for', () => {
    const read = new Set<string>();
    const env = deployments[0]!.replicator;
    const recorder = new Proxy(env, {
      get: (target, key) => {
        if (typeof key === 'string') read.add(key);
        return typeof key === 'string' ? target[key] : undefined;
      },
    });
    const config = parseReplicatorConfig(replicatorYml, recorder);
    passwordFrom(config.mysql.passwordEnv, recorder);
    passwordFrom(config.tarantool.passwordEnv, recorder);
    expect([...read].filter((n) => !replicator.names.has(n))).toEqual([]);
    expect(read.size).toBeGreaterThan(0);
  });

  it('sets only names the replicator reads, and every one it requires', () => {
    for (const { name, replicator: env } of deployments) {
      expect(
        Object.keys(env).filter((k) => !replicator.names.has(k)),
        name,
      ).toEqual([]);
      expect(
        // A password may come as its file (NAME_FILE), which the stacks use.
        [...replicator.required].filter((n) => !env[n] && !env[`${n}_FILE`]),
        name,
      ).toEqual([]);
    }
  });

  it('is an environment the replicator loads: the master db and the tarantool container', () => {
    for (const { name, replicator: env } of deployments) {
      const config = parseReplicatorConfig(replicatorYml, env);
      expect(config.mysql, name).toMatchObject({ host: 'db', port: 3306, user: 'replicator' });
      expect(config.tarantool, name).toMatchObject({ host: 'tarantool', port: 3301, user: 'app' });
      expect(
        config.mappings.map((m) => m.database),
        name,
      ).toEqual(['app']);
      expect(passwordFrom(config.mysql.passwordEnv, env), name).toBeTruthy();
      expect(passwordFrom(config.tarantool.passwordEnv, env), name).toBeTruthy();
    }
  });

  it('does not run the app image healthcheck, which asks for the app', () => {
    expect(composeServices(composeFiles)['tarantool-replicator']?.healthcheck).toEqual({ test: ['NONE'] });
    for (const stack of ['dev', 'prod'] as const) {
      expect(container(runs[stack], `${stack}-app-tarantool-replicator`).inputs.healthcheck).toEqual({
        tests: ['NONE'],
      });
    }
  });
});

describe('compose/.env.example and docs/stacks.md', () => {
  it('compose/.env.example lists every variable the compose files take, and only those', () => {
    const used = new Set<string>();
    for (const file of composeFiles) {
      const text = readFileSync(join(composeDir, file), 'utf8');
      const code = text.replace(/^\s*#.*$/gm, '');
      for (const m of code.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)) used.add(m[1]!);
    }
    const listed = new Set(
      [...readFileSync(join(composeDir, '.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
        (m) => m[1]!,
      ),
    );
    // Image overrides stay optional and undocumented there; COMPOSE_PROJECT_NAME is compose's own.
    expect([...used].filter((n) => !listed.has(n) && !n.endsWith('_IMAGE'))).toEqual([]);
    expect([...listed].filter((n) => !used.has(n) && n !== 'COMPOSE_PROJECT_NAME')).toEqual([]);
  });

  it('docs/stacks.md documents every config key, every secret and the containers variables', () => {
    const docs = readFileSync(join(repoRoot, 'docs', 'stacks.md'), 'utf8');
    const projectKeys = Object.keys(StackSettings.properties).filter(
      (k) => !['project', 'region', 'zone'].includes(k),
    );
    for (const key of [...projectKeys, ...secretKeys])
      expect(docs, key).toMatch(new RegExp(`^\\| \`${key}\` \\|`, 'm'));
    for (const key of secretKeys) expect(docs, key).toMatch(new RegExp(`pulumi config set --secret ${key} `));
    for (const name of [...replicator.names, ...app.required, 'APP_PORT', 'MYSQL_DB', 'SLAVE_MYSQL_HOSTS'])
      expect(docs, name).toContain(`\`${name}\``);
  });
});
