import { describe, expect, it } from 'vitest';
import { type ConfigSource, readSettings } from './config.ts';
import { planTopology } from './topology.ts';

const minimal: Record<string, unknown> = {
  sshPublicKeys: ['ssh-ed25519 AAAA test'],
  sshSourceRanges: ['203.0.113.0/24'],
  adminSourceRanges: ['203.0.113.0/24'],
  images: { app: 'ghcr.io/x/app:1' },
};

function source(
  project: Record<string, unknown>,
  gcp: Record<string, string> = { project: 'p', region: 'europe-west1' },
): ConfigSource {
  return { project: (key) => project[key], gcp: (key) => gcp[key] };
}

describe('stack settings', () => {
  it('fills the seed defaults around the required keys', () => {
    const settings = readSettings(source(minimal));
    expect(settings.zone).toBe('europe-west1-b');
    expect(settings.machineTypes).toEqual({
      app: 'n1-standard-8',
      slave: 'n1-standard-2',
      vitess: 'n1-standard-4',
      monitoring: 'n1-standard-1',
    });
    expect(settings.bootImage).toBe('projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts');
    expect(settings.images.mysql).toBe('mysql:8.4');
    expect(settings.appSourceRanges).toEqual(['0.0.0.0/0']);
    expect(settings).toMatchObject({
      slaves: 2,
      slaveHosts: 1,
      vitess: true,
      sshUser: 'deploy',
      protectData: false,
      metricsRetentionDays: 30,
    });
  });

  it('names the missing key and how to set it', () => {
    const { adminSourceRanges: _, ...withoutAdmin } = minimal;
    expect(() => readSettings(source(withoutAdmin))).toThrow(
      'stack config adminSourceRanges: is required (pulumi config set adminSourceRanges ...)',
    );
    expect(() => readSettings(source(minimal, { region: 'europe-west1' }))).toThrow(
      'stack config gcp:project: is required',
    );
    expect(() => readSettings(source({ ...minimal, images: {} }))).toThrow(
      'stack config images.app: is required',
    );
  });

  it('rejects what is not a CIDR range, a zone outside the region, more slave hosts than slaves', () => {
    expect(() => readSettings(source({ ...minimal, adminSourceRanges: ['office'] }))).toThrow(
      'stack config adminSourceRanges.0',
    );
    expect(() =>
      readSettings(source(minimal, { project: 'p', region: 'europe-west1', zone: 'us-central1-a' })),
    ).toThrow('gcp:zone: us-central1-a is not in region europe-west1');
    expect(() => readSettings(source({ ...minimal, slaves: 1, slaveHosts: 2 }))).toThrow(
      '1 slaves cannot fill 2 slave hosts',
    );
    expect(() => readSettings(source({ ...minimal, sshPublicKeys: ['not a key'] }))).toThrow(
      'sshPublicKeys.0',
    );
  });
});

describe('appEnv: the app settings the stack does not manage', () => {
  it('defaults to none and passes plain names and values through', () => {
    expect(readSettings(source(minimal)).appEnv).toEqual({});
    expect(readSettings(source(minimal)).appContainerPort).toBe(5000);
    const appEnv = { LOG_LEVEL: 'warn', FEED_SIZE: 500, SEARCH_BACKEND: 'tarantool' };
    expect(readSettings(source({ ...minimal, appEnv })).appEnv).toEqual(appEnv);
  });

  it('refuses what the stack sets itself, secrets in plain text and names that are no variable', () => {
    expect(() => readSettings(source({ ...minimal, appEnv: { MYSQL_HOST: 'elsewhere' } }))).toThrow(
      'stack config appEnv.MYSQL_HOST: the stack sets MYSQL_HOST itself',
    );
    expect(() => readSettings(source({ ...minimal, appEnv: { CHAT_MYSQL_PASSWORD: 'x' } }))).toThrow(
      'stack config appEnv.CHAT_MYSQL_PASSWORD: appEnv is plain text',
    );
    expect(() => readSettings(source({ ...minimal, appEnv: { 'log-level': 'info' } }))).toThrow(
      'stack config appEnv',
    );
    expect(() => readSettings(source({ ...minimal, appEnv: { LOG_LEVEL: ['info'] } }))).toThrow(
      'stack config appEnv.LOG_LEVEL',
    );
  });
});

describe('topology', () => {
  it('spreads slaves round-robin over slave hosts with unique ports and server ids', () => {
    const topology = planTopology(
      readSettings(source({ ...minimal, slaves: 3, slaveHosts: 2, vitess: false })),
    );
    expect(topology.hosts.map((h) => h.key)).toEqual([
      'app',
      'app-db-slave-1',
      'app-db-slave-2',
      'monitoring',
    ]);
    expect(topology.slaves).toEqual([
      { name: 'db-slave-1', hostKey: 'app-db-slave-1', port: 10101, serverId: 2 },
      { name: 'db-slave-2', hostKey: 'app-db-slave-2', port: 10102, serverId: 3 },
      { name: 'db-slave-3', hostKey: 'app-db-slave-1', port: 10103, serverId: 4 },
    ]);
    expect(topology.mysqlPorts).toEqual([10100, 10101, 10102, 10103]);
  });
});
