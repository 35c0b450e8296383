import { rmSync } from 'node:fs';
import { freePorts } from '../../lib/net.ts';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { ClickHouseHttp } from './http.ts';
import { startClickHouse, stopClickHouse } from './server.ts';

export interface TestClickHouse {
  host: string;
  httpPort: number;
  dir: string;
  client: ClickHouseHttp;
  stop(): Promise<void>;
}

/** A throwaway clickhouse-server on free ports with its own dir, for one test file. */
export async function startTestClickHouse(): Promise<TestClickHouse> {
  const dir = makeTempDir('clickhouse-test-');
  const httpPort = await freePorts(2);
  const host = '127.0.0.1';
  const pid = await startClickHouse({
    host,
    httpPort,
    tcpPort: httpPort + 1,
    dir,
    appPassword: 'unused-in-tests',
  });
  return {
    host,
    httpPort,
    dir,
    client: new ClickHouseHttp({ host, port: httpPort }),
    stop: async () => {
      await stopClickHouse(pid, dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
