import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alertsMain } from './cli.ts';

/** Alertmanager's API v2 as this test wants it to answer. */
let answer: unknown[] = [];
let server: Server;
let url = '';

const v2 = (
  name: string,
  state: 'active' | 'suppressed',
  labels: Record<string, string>,
  inhibitedBy: string[] = [],
) => ({
  labels: { alertname: name, severity: 'critical', ...labels },
  annotations: { summary: `${name} summary`, runbook: '`npx zx scripts/failover.mjs`' },
  startsAt: '2026-12-07T18:00:00.000Z',
  status: { state, inhibitedBy, silencedBy: [] },
  receivers: [{ name: 'operator-webhook' }],
});

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url !== '/api/v2/alerts') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(...words: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  try {
    return { code: await alertsMain(words), stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('scripts/alerts.mjs', () => {
  it('lists the firing alerts first, with where, since when and the fix, then the inhibited; exits 1', async () => {
    answer = [
      v2('ReplicationIoThreadStopped', 'suppressed', { node: 'db2' }, ['abc']),
      v2('MysqlNoWritableMaster', 'active', {}),
    ];
    const result = await run('--url', url);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      'FIRING MysqlNoWritableMaster (critical) on - since 2026-12-07T18:00:00.000Z',
      '  MysqlNoWritableMaster summary',
      '  fix: `npx zx scripts/failover.mjs`',
      'INHIBITED ReplicationIoThreadStopped (critical) on db2 since 2026-12-07T18:00:00.000Z',
      '  ReplicationIoThreadStopped summary',
      '  fix: `npx zx scripts/failover.mjs`',
      '',
    ]);
  });

  it('says none fires and exits 0; --json prints the array', async () => {
    answer = [];
    expect(await run('--url', url)).toMatchObject({ code: 0, stdout: 'no alert firing\n' });
    expect(JSON.parse((await run('--url', url, '--json')).stdout)).toEqual([]);
  });

  it('refuses a malformed --url in one line, exit 2', async () => {
    const result = await run('--url', 'alertmanager:9093');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe("alerts: --url must be http://host:port, got 'alertmanager:9093'\n");
  });

  it('reports an Alertmanager that does not answer, exit 1', async () => {
    const result = await run('--url', 'http://127.0.0.1:1');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^alerts: .+\n$/);
  });
});
