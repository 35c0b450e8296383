import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { noMasterInhibits, operatorTiming, renderAlertmanagerConfig } from './alertmanager.ts';
import { alertRules, defaultAlertSettings } from './rules.ts';

describe('the no-master inhibition', () => {
  it('names alerts the rules have, the per-node replication and semi-sync ones', () => {
    const names = alertRules({ ...defaultAlertSettings, maxLagSeconds: 5, slaves: 2, semisync: true }).map(
      (r) => r.alert,
    );
    expect(names).toContain(noMasterInhibits.source);
    for (const target of noMasterInhibits.targets) expect(names).toContain(target);
    expect(names.filter((n) => /^(Replication|SemiSync)/.test(n)).sort()).toEqual(
      [...noMasterInhibits.targets].sort(),
    );
  });
});

describe('renderAlertmanagerConfig', () => {
  it("routes every alert to the webhook with resolved notifications, at an operator's pace by default", () => {
    const config = parse(renderAlertmanagerConfig({ webhookUrl: 'http://127.0.0.1:1/alerts' }, 'x'));
    expect(config.route).toEqual({
      receiver: 'operator-webhook',
      group_by: ['alertname'],
      group_wait: operatorTiming.groupWait,
      group_interval: '5m',
      repeat_interval: '4h',
    });
    expect(operatorTiming.groupWait).toBe('10s');
    expect(config.receivers).toEqual([
      {
        name: 'operator-webhook',
        webhook_configs: [{ url: 'http://127.0.0.1:1/alerts', send_resolved: true }],
      },
    ]);
  });
});
