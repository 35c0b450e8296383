// The alert sink alone: ready once it listens, each notification one JSON line in its file, and a file it
// cannot append to stops it at the start (its readiness would otherwise hide every lost notification).
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../../lib/net.ts';
import { makeTempDir } from '../../../lib/temp-dirs.ts';
import { readSinkFile, startAlertSink } from './sink.ts';

const dir = makeTempDir('alert-sink-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const notification = {
  status: 'firing',
  receiver: 'sink',
  groupLabels: { alertname: 'MysqlDown' },
  alerts: [
    { status: 'firing', labels: { alertname: 'MysqlDown' }, annotations: {}, startsAt: 'x', endsAt: 'y' },
  ],
};

describe('startAlertSink', () => {
  it('answers ready and appends each notification as one JSON line', async () => {
    const file = join(dir, 'sub', 'alerts.jsonl');
    const sink = await startAlertSink({ host: '127.0.0.1', port: await freePorts(1), file });
    try {
      const base = `http://127.0.0.1:${sink.port}`;
      expect((await fetch(`${base}/-/ready`)).status).toBe(200);
      expect(readFileSync(file, 'utf8')).toBe('');
      expect(readSinkFile(file)).toEqual([]);
      const post = await fetch(`${base}/alerts`, { method: 'POST', body: JSON.stringify(notification) });
      expect(post.status).toBe(200);
      expect((await fetch(`${base}/alerts`, { method: 'POST', body: '{"x":1}' })).status).toBe(400);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ ...notification, receivedAt: expect.any(String) });
      expect(readSinkFile(file)).toEqual([JSON.parse(lines[0]!)]);
    } finally {
      await new Promise((resolve) => sink.close(resolve));
    }
  });

  it('refuses to start when its file cannot be appended to', async () => {
    const notAFile = join(dir, 'a-folder');
    mkdirSync(notAFile);
    await expect(
      startAlertSink({ host: '127.0.0.1', port: await freePorts(1), file: notAFile }),
    ).rejects.toThrow(/EISDIR/);
  });
});
