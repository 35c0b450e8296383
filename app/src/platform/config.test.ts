import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const base = { MYSQL_PASSWORD: 'pw', AUTH_TOKEN_SECRET: 'x'.repeat(32) };

describe('loadConfig', () => {
  it("reads the seed's variable names, with the chat connection defaulting to the master", () => {
    const config = loadConfig({
      ...base,
      MYSQL_HOST: 'db',
      MYSQL_DB: 'social',
      SLAVE_MYSQL_HOSTS: 'r1:3306, r2:3307',
      CHAT_MYSQL_PORT: '15306',
    });
    expect(config.master).toMatchObject({ host: 'db', database: 'social', password: 'pw' });
    expect(config.slaves.map((s) => `${s.host}:${s.port}`)).toEqual(['r1:3306', 'r2:3307']);
    expect(config.chat).toMatchObject({ host: 'db', port: 15306, database: 'social' });
    expect(config.port).toBe(5000);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ ...base, APP_PORT: '99999' })).toThrow(/APP_PORT/);
    expect(() => loadConfig({ ...base, SLAVE_MYSQL_HOSTS: 'nohost' })).toThrow(/SLAVE_MYSQL_HOSTS/);
    expect(() => loadConfig({ MYSQL_PASSWORD: 'pw' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, AUTH_TOKEN_SECRET: 'short' })).toThrow(/AUTH_TOKEN_SECRET/);
  });
});

describe('secrets from files (NAME_FILE, as compose and the stacks mount them)', () => {
  it('reads every secret from the first line of the file NAME_FILE names, before NAME', () => {
    const dir = mkdtempSync(join(tmpdir(), 'app-config-secrets-'));
    try {
      const file = (name: string, value: string) => {
        const path = join(dir, name);
        writeFileSync(path, `${value}\n`, { mode: 0o600 });
        return path;
      };
      const config = loadConfig({
        MYSQL_PASSWORD: 'from-the-variable',
        MYSQL_PASSWORD_FILE: file('mysql', 'mysql-from-file'),
        SLAVE_MYSQL_HOSTS: 'r1:3306',
        SLAVE_MYSQL_PASSWORD_FILE: file('slave', 'slave-from-file'),
        CHAT_MYSQL_PASSWORD_FILE: file('chat', 'chat-from-file'),
        RABBITMQ_USER: 'app',
        RABBITMQ_PASSWORD_FILE: file('rabbitmq', 'rabbit-from-file'),
        REDIS_PASSWORD_FILE: file('redis', 'redis-from-file'),
        AUTH_TOKEN_SECRET_FILE: file('token', 't'.repeat(40)),
        SEARCH_BACKEND: 'tarantool',
        TARANTOOL_PASSWORD_FILE: file('tarantool', 'tarantool-from-file'),
      });
      expect(config.master.password).toBe('mysql-from-file');
      expect(config.slaves[0]?.password).toBe('slave-from-file');
      expect(config.chat.password).toBe('chat-from-file');
      expect(config.rabbitmq.url).toContain('app:rabbit-from-file@');
      expect(config.redis.password).toBe('redis-from-file');
      expect(config.auth.tokenSecret).toBe('t'.repeat(40));
      expect(config.search).toMatchObject({ tarantool: { password: 'tarantool-from-file' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the NAME_FILE it cannot read, and holds a short secret from a file to the same minimum', () => {
    expect(() => loadConfig({ ...base, MYSQL_PASSWORD_FILE: '/nonexistent/mysql' })).toThrow(
      /MYSQL_PASSWORD_FILE: cannot read \/nonexistent\/mysql/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'app-config-secrets-'));
    try {
      const short = join(dir, 'token');
      writeFileSync(short, 'short\n');
      expect(() => loadConfig({ ...base, AUTH_TOKEN_SECRET_FILE: short })).toThrow(/AUTH_TOKEN_SECRET/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TRUST_PROXY', () => {
  it('is off unless set, so clients reaching the app directly cannot pick their own address', () => {
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
  });

  it('names itself when the value is neither a switch nor addresses', () => {
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
  });
});

describe('SEARCH_SHAPE', () => {
  it('is auto by default, single or expanded when asked, anything else refused', () => {
    expect(loadConfig(base).searchShape).toBe('auto');
    expect(loadConfig({ ...base, SEARCH_SHAPE: 'single' }).searchShape).toBe('single');
    expect(loadConfig({ ...base, SEARCH_SHAPE: 'expanded' }).searchShape).toBe('expanded');
    expect(() => loadConfig({ ...base, SEARCH_SHAPE: 'fast' })).toThrow(/SEARCH_SHAPE/);
  });
});

describe('SEARCH_BACKEND', () => {
  it('is MySQL unless set; tarantool needs its password and takes host, port and user', () => {
    expect(loadConfig(base).search).toEqual({ backend: 'mysql' });
    expect(
      loadConfig({ ...base, SEARCH_BACKEND: 'tarantool', TARANTOOL_HOST: 'tt', TARANTOOL_PASSWORD: 'tpw' })
        .search,
    ).toEqual({ backend: 'tarantool', tarantool: { host: 'tt', port: 3301, user: 'app', password: 'tpw' } });
    expect(() => loadConfig({ ...base, SEARCH_BACKEND: 'tarantool' })).toThrow(/TARANTOOL_PASSWORD/);
    expect(() => loadConfig({ ...base, SEARCH_BACKEND: 'redis' })).toThrow(/SEARCH_BACKEND/);
  });
});

describe('feed fan-out limits', () => {
  it('default to pages of 1000 and celebrities above 10,000 followers, and are settable', () => {
    expect(loadConfig(base).feed).toEqual({ size: 1000, celebrityFollowers: 10_000, fanoutPageSize: 1000 });
    const set = loadConfig({ ...base, FEED_CELEBRITY_FOLLOWERS: '3', FEED_FANOUT_PAGE_SIZE: '2' }).feed;
    expect(set).toMatchObject({ celebrityFollowers: 3, fanoutPageSize: 2 });
    expect(() => loadConfig({ ...base, FEED_FANOUT_PAGE_SIZE: '0' })).toThrow(/FEED_FANOUT_PAGE_SIZE/);
  });
});
