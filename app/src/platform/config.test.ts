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
