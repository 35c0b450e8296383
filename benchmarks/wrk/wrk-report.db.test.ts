import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../app/test-support/stack.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { localInventory } from '../../toolkit/local/inventory.ts';
import { loadState, updateState } from '../../toolkit/local/state.ts';
import { runRunbook } from '../../toolkit/local/testing.ts';
import type { ReportData } from './report-data.ts';
import { totalErrors } from './results.ts';
import { hasSearchIndex, searchIndex } from './search-index.ts';

// The quick pipeline end to end, as CI runs it: a real master and two slaves, Redis, RabbitMQ, our
// app instances, wrk and the MySQL-alone tool, with the index dropped and restored by the run.
let stack: TestStack;
let out: string;

beforeAll(async () => {
  stack = await startTestStack();
  // The runbook's `local` inventory reads Redis from the state: point it at this stack's own.
  updateState((state) => {
    state.services.redis = { host: '127.0.0.1', port: stack.redis.port, owned: false };
  });
  out = makeTempDir('wrk-report-');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('npx zx scripts/wrk-report.mjs --quick', () => {
  it('restores an index a previous run left dropped, measures every series and writes a complete report', async () => {
    const admin = await stack.admin('master');
    try {
      // What an interrupted run leaves behind: the index gone (the app's migration made it).
      await admin.exec(`ALTER TABLE app.user DROP INDEX ${searchIndex.name}`);
    } finally {
      await admin.close();
    }
    const inventory = localInventory(loadState());
    const result = await runRunbook(
      'wrk-report',
      ['--quick', '--users', '3000', '--out', out, '--rabbitmq-prefix', stack.env.RABBITMQ_PREFIX!, '--json'],
      stack.cluster.env,
    );
    expect(result.report?.error, result.stderr).toBeUndefined();
    expect(result.code).toBe(0);
    const steps = result.report!.steps;
    expect(steps.find((s) => s.name === 'indexes' || s.name === 'search index')?.status).toBe('changed');
    expect(steps.filter((s) => s.name === 'restore search index').map((s) => s.status)).toEqual(['changed']);

    // The index is back everywhere after the no-index series.
    for (const node of [inventory.mysql.master, ...inventory.mysql.slaves])
      expect(await hasSearchIndex(inventory, node)).toBe(true);

    const data = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ReportData;
    expect(data.users.count).toBeGreaterThanOrEqual(3000);
    expect(data.series.map((s) => s.spec.id)).toEqual([
      'db-master-single',
      'db-master-expanded',
      'app-master',
      'db-slaves-single',
      'db-slaves-expanded',
      'app-slaves',
      'http-floor-node',
      'http-floor-fastify',
      'db-master-noindex',
      'app-master-noindex',
    ]);
    for (const series of data.series) {
      expect(series.points.map((p) => p.connections)).toEqual([1, 10]);
      for (const p of series.points) {
        expect(p.failure).toBeUndefined();
        expect(p.result!.requests).toBeGreaterThan(0);
        expect(existsSync(join(out, 'raw', p.raw!))).toBe(true);
        if (series.spec.index) expect(totalErrors(p.result!.errors)).toBe(0);
      }
    }
    // Both query shapes return the same rows. (Which examines less depends on the data's size: with
    // 3,000 users the app's scan is short and the expanded shape's name lookup costs more; with a
    // million it is the other way round, by two orders of magnitude: see docs/wrk.md.)
    const [app, expanded] = data.queryCosts.find((q) => q.index)!.costs;
    expect(expanded!.rows).toBe(app!.rows);
    expect(app!.examined).toBeGreaterThan(0);
    expect(expanded!.statements).toBeGreaterThan(app!.statements);

    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('| app, reads on slaves | 10 |');
    expect(summary).toContain('| app, reads on master, no index | 1 |');
    // The HTTP floor's process answered, and its CPU per answer is beside the app's.
    expect(summary).toContain('## The serving process alone: the HTTP floor');
    expect(summary).toMatch(
      /\| HTTP floor: the app's fastify layer and search route, fixed answer \| 10 \| [\d,]+ \| [\d.]+ \| [\d.]+ \|/,
    );
    for (const file of [
      'throughput-index.svg',
      'latency-noindex.svg',
      'explain-index.json',
      'explain-noindex.json',
    ])
      expect(existsSync(join(out, file))).toBe(true);
    expect(readFileSync(join(out, 'explain-noindex.json'), 'utf8')).toContain('"access_type": "ALL"');
    expect(readFileSync(join(out, 'explain-index.json'), 'utf8')).toContain('"key": "user_name_prefix"');
  }, 300_000);
});
