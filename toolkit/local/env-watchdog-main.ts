// The throwaway environment's watchdog as a process (env-watchdog.ts starts it, detached):
// `node --import tsx toolkit/local/env-watchdog-main.ts --state-dir DIR --watch PID:START,...`. The
// environment's variables (TOOLKIT_STATE_DIR, its ports) come from the process that started it.
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { repoRoot } from '../inventory/paths.ts';
import { type ProcessIdentity, stillRunning } from './env-watchdog.ts';

const { values } = parseArgs({
  options: { 'state-dir': { type: 'string' }, watch: { type: 'string' } },
  strict: true,
});
const stateDir = values['state-dir'];
const watched: ProcessIdentity[] = (values.watch ?? '')
  .split(',')
  .filter(Boolean)
  .map((entry) => {
    const [pid, startTime] = entry.split(':');
    return { pid: Number(pid), startTime: startTime ?? '' };
  });
if (!stateDir || watched.length === 0) {
  process.stderr.write('usage: env-watchdog-main --state-dir DIR --watch PID:START[,...]\n');
  process.exit(2);
}
let stopped = false;
process.once('SIGTERM', () => {
  stopped = true;
});
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
while (!stopped && watched.every(stillRunning)) await sleep(250);
if (!stopped) {
  const gone = watched.filter((p) => !stillRunning(p)).map((p) => p.pid);
  const owner = watched[0]!;
  log(`pid ${gone.join(', ')} gone: taking ${stateDir} down`);
  if (stillRunning(owner)) process.kill(owner.pid, 'SIGKILL');
  const down = await execa('npx', ['zx', 'scripts/local.mjs', 'down', '--wipe', '--json'], {
    cwd: repoRoot,
    env: { ...process.env, CI: 'true', TOOLKIT_STATE_DIR: stateDir },
    reject: false,
    timeout: 180_000,
  });
  log(`down exited ${down.exitCode}`);
  rmSync(stateDir, { recursive: true, force: true });
}
// Stopped after a normal close, or done: its log has nothing left to explain.
rmSync(`${stateDir}.watchdog.log`, { force: true });
