import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from './agent/config.ts';
import { composeAgentConfig, composeHaproxyConfig } from './compose-config.ts';
import { renderHaproxyConfig } from './config.ts';

// The committed files are this renderer's output, not copies that could drift: a change to the
// renderer fails here until `npx vitest run toolkit/haproxy/compose-config.test.ts -u` rewrites them.
describe('compose/haproxy is the rendering of compose-config.ts', () => {
  it('haproxy.cfg', async () => {
    await expect(composeHaproxyConfig()).toMatchFileSnapshot('../../compose/haproxy/haproxy.cfg');
  });

  it('agent.yml', async () => {
    await expect(composeAgentConfig()).toMatchFileSnapshot('../../compose/haproxy/agent.yml');
    expect(parseAgentConfig(composeAgentConfig(), 'compose').nodes.map((n) => n.name)).toEqual([
      'db',
      'db-slave-1',
      'db-slave-2',
    ]);
  });
});

function haproxyCheck(config: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-check-'));
  try {
    const file = join(dir, 'haproxy.cfg');
    // The admin socket's directory must exist for -c; point it into the scratch dir.
    writeFileSync(file, config.replace(/stats socket \S+/, `stats socket ${join(dir, 'admin.sock')}`));
    const output = execFileSync('haproxy', ['-c', '-f', file], { encoding: 'utf8', stdio: 'pipe' });
    return { ok: true, output };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the rendered HAProxy config', () => {
  const local = renderHaproxyConfig(
    {
      name: 'local',
      mysql: {
        master: { name: 'db2', host: '127.0.0.1', port: 10101 },
        slaves: [{ name: 'db3', host: '127.0.0.1', port: 10102 }],
        fenced: [{ name: 'db1', host: '127.0.0.1', port: 10100 }],
      },
    },
    {
      bindHost: '127.0.0.1',
      writerPort: 10110,
      readerPort: 10111,
      adminSocket: '/tmp/x/admin.sock',
      agent: { host: '127.0.0.1', port: 10112 },
    },
  );

  it('passes haproxy -c, for compose and for a local topology after a failover', () => {
    expect(haproxyCheck(composeHaproxyConfig())).toMatchObject({ ok: true });
    expect(haproxyCheck(local)).toMatchObject({ ok: true });
  });

  it('enables only the master among the servers with the master role; every node may read', () => {
    const servers = local.split('\n').filter((l) => l.trim().startsWith('server '));
    const of = (name: string) => servers.filter((l) => l.trim().split(' ')[1] === name);
    expect(of('db2')[0]).not.toContain('disabled');
    expect(of('db1')[0]).toMatch(/agent-send "writer db1\\n" disabled$/);
    expect(of('db3')[0]).toMatch(/disabled$/);
    expect(of('db1')[1]).toMatch(/agent-send "reader db1\\n"$/);
    expect(of('db2-fallback')[0]).toMatch(/agent-send "fallback db2\\n" backup$/);
    expect(of('db1-fallback')[0]).toMatch(/backup disabled$/);
  });

  it('binds its runtime API to a Unix socket only, owner-only, and the local endpoints to 127.0.0.1', () => {
    const binds = local.split('\n').filter((l) => /^\s*(bind|stats socket)\b/.test(l));
    expect(binds.map((l) => l.trim())).toEqual([
      'stats socket /tmp/x/admin.sock mode 600 level admin expose-fd listeners',
      'bind 127.0.0.1:10110',
      'bind 127.0.0.1:10111',
    ]);
    expect(composeHaproxyConfig()).toMatch(
      /stats socket \/var\/lib\/haproxy\/admin.sock mode 600 level admin/,
    );
  });
});
