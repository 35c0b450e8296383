// env-watchdog.db.test.ts's child: a throwaway cluster (bare mariadbd nodes, a state dir of its own) with
// the watchdog tied to this process, then one JSON line {stateDir, pids} and a wait for the test's SIGKILL.

import { startEnvWatchdog } from './env-watchdog.ts';
import { loadState } from './state.ts';
import { startTestCluster } from './testing.ts';

const cluster = await startTestCluster({ slaves: 1, mode: 'bare' });
const watchdog = startEnvWatchdog(cluster.stateDir);
const pids: number[] = [];
JSON.stringify(loadState(), (key, value) => {
  if (key === 'pid' && typeof value === 'number') pids.push(value);
  return value;
});
process.stdout.write(`${JSON.stringify({ stateDir: cluster.stateDir, pids, watchdog: watchdog.pid })}\n`);
setInterval(() => {}, 60_000);
