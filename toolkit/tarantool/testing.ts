import { rmSync } from 'node:fs';
import { freePorts } from '../../lib/net.ts';
import { TarantoolClient } from '../../lib/tarantool/iproto.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { startTarantool, stopTarantool } from './server.ts';

export interface TestTarantool {
  host: string;
  port: number;
  dir: string;
  appPassword: string;
  adminPassword: string;
  admin(): Promise<TarantoolClient>;
  app(): Promise<TarantoolClient>;
  stop(): Promise<void>;
}

/** A throwaway Tarantool running compose/tarantool/init.lua on a free port, for one test file. */
export async function startTestTarantool(): Promise<TestTarantool> {
  const dir = makeTempDir('tarantool-test-');
  const port = await freePorts(1);
  const host = '127.0.0.1';
  const appPassword = `app-${Math.random().toString(36).slice(2)}`;
  const adminPassword = `admin-${Math.random().toString(36).slice(2)}`;
  const pid = await startTarantool({
    host,
    port,
    dir,
    appPassword,
    adminPassword,
    memtxBytes: 512 * 1024 * 1024,
  });
  return {
    host,
    port,
    dir,
    appPassword,
    adminPassword,
    admin: () => TarantoolClient.connect({ host, port, user: 'admin', password: adminPassword }),
    app: () => TarantoolClient.connect({ host, port, user: 'app', password: appPassword }),
    stop: async () => {
      await stopTarantool(pid, dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
