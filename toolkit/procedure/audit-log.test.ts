import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditEntry, appendAuditEntry, auditLogFile, readAuditLog } from './audit-log.ts';
import { registerSecret } from './redact.ts';

const root = mkdtempSync(join(tmpdir(), 'toolkit-audit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    runbook: 'failover',
    env: 'local',
    changed: 1,
    steps: [
      {
        name: 'promoted',
        host: 'db2',
        status: 'changed',
        detail: 'db2 is the master',
        statements: [{ host: 'db2', text: 'SET GLOBAL read_only = 0' }],
      },
    ],
    outcome: 'ok',
    startedAt: '2026-12-07T09:00:00.000Z',
    finishedAt: '2026-12-07T09:00:02.000Z',
    pid: 4242,
    host: 'admin-1',
    user: 'ops',
    args: ['--switchover'],
    ...overrides,
  };
}

describe('the audit log', () => {
  it('appends one JSON line per run, oldest first, readable by its owner only', () => {
    const dir = join(root, 'fresh', 'state');
    expect(readAuditLog(dir)).toEqual([]);
    appendAuditEntry(dir, entry());
    appendAuditEntry(dir, entry({ outcome: 'refused', changed: 0, steps: [], error: 'refused: held' }));
    expect(readAuditLog(dir).map((e) => e.outcome)).toEqual(['ok', 'refused']);
    expect(readAuditLog(dir)[0]).toEqual(entry());
    expect(statSync(auditLogFile(dir)).mode & 0o777).toBe(0o600);
  });

  it('narrows a log that was readable by others', () => {
    const dir = join(root, 'wide');
    mkdirSync(dir);
    writeFileSync(auditLogFile(dir), '');
    chmodSync(auditLogFile(dir), 0o644);
    expect(statSync(auditLogFile(dir)).mode & 0o777).toBe(0o644);
    appendAuditEntry(dir, entry());
    expect(statSync(auditLogFile(dir)).mode & 0o777).toBe(0o600);
  });

  it('masks every secret the toolkit resolved, wherever it slipped in', () => {
    const dir = join(root, 'secrets');
    registerSecret('audit-secret-31');
    appendAuditEntry(dir, entry({ args: ['--candidate', 'audit-secret-31'], error: 'bad audit-secret-31' }));
    const [logged] = readAuditLog(dir);
    expect(logged?.args).toEqual(['--candidate', '***']);
    expect(logged?.error).toBe('bad ***');
  });
});
