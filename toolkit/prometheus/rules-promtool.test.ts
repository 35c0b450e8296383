import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { composeAlertRules } from './compose-config.ts';
import { promtool } from './promtool.ts';
import { alertRules, defaultAlertSettings } from './rules.ts';

const testFile = join(import.meta.dirname, 'alerts.promtool.yml');
const scratch = makeTempDir('promtool-rules-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface PromtoolTests {
  tests: Array<{
    name: string;
    alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }>;
  }>;
}

describe('the alert rules (promtool test rules)', () => {
  it('pass every case of alerts.promtool.yml', async () => {
    writeFileSync(join(scratch, 'alerts.yml'), composeAlertRules({ annotations: false }));
    copyFileSync(testFile, join(scratch, 'alerts.promtool.yml'));
    const result = await promtool(['test', 'rules', 'alerts.promtool.yml'], scratch);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result).toMatchObject({ ok: true });
  });

  it('cover every alert with a case that fires and one that does not', () => {
    const { tests } = parse(readFileSync(testFile, 'utf8')) as PromtoolTests;
    const cases = tests.flatMap((t) => t.alert_rule_test);
    const names = alertRules({ ...defaultAlertSettings, maxLagSeconds: 5, slaves: 2, semisync: true }).map(
      (r) => r.alert,
    );
    for (const name of names) {
      const mine = cases.filter((c) => c.alertname === name);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${name} has a firing case`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${name} has a not-firing case`,
      ).toBe(true);
    }
    // And no case tests an alert that does not exist (a renamed one).
    expect([...new Set(cases.map((c) => c.alertname))].sort()).toEqual([...names].sort());
  });

  it("are each a row of the README's alert table", () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Za-z0-9]+)` \| (?:critical|warning) \|/gm)].map((m) => m[1]);
    const names = alertRules({ ...defaultAlertSettings, maxLagSeconds: 5, slaves: 2, semisync: true }).map(
      (r) => r.alert,
    );
    expect(rows).toEqual(names);
  });

  it('fail when a rule is broken: a lag threshold off by a lot makes promtool report the case', async () => {
    const broken = composeAlertRules({ annotations: false }).replace(
      'mysql_slave_status_seconds_behind_source) > 5',
      'mysql_slave_status_seconds_behind_source) > 500',
    );
    writeFileSync(join(scratch, 'alerts.yml'), broken);
    copyFileSync(testFile, join(scratch, 'alerts.promtool.yml'));
    const result = await promtool(['test', 'rules', 'alerts.promtool.yml'], scratch);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/ReplicationLagHigh/);
  });
});
