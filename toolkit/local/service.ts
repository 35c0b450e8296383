import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/poll.ts';
import { findBinary } from '../host/binaries.ts';
import { isOurs, spawnDetached, stopProcess } from '../host/process.ts';
import { stateDir } from '../inventory/paths.ts';
import { ToolkitError } from '../procedure/errors.ts';
import type { Run } from '../procedure/run.ts';
import type { LocalComponent } from './component.ts';
import { type LocalState, loadState, updateState } from './state.ts';

type ServiceName = keyof LocalState['services'];

export interface ServiceDefinition {
  name: ServiceName;
  host: string;
  port: number;
  /** Binaries to look for, and the Debian package that has them. */
  binaries: string[];
  debianPackage: string;
  /** True when something answering on host:port is this kind of server. */
  probe(host: string, port: number): Promise<boolean>;
  /** How to start our own when the port is free; the marker identifies the process as ours. */
  command(binary: string, dir: string): { args: string[]; env?: NodeJS.ProcessEnv; marker: string };
  /** Writes the config files the command needs into its dir. */
  prepare?(dir: string): void;
  startTimeoutMs?: number;
  /** Reuse what answers on the port (the machine's own server) rather than start another. */
  reuse: boolean;
}

export function serviceDir(name: string): string {
  return join(stateDir(), name);
}

/**
 * A server the environment reuses when one already answers on its port (the machine's Redis and
 * RabbitMQ), or starts itself with its data under .local/ and stops again on `down`.
 */
export function serviceComponent(def: ServiceDefinition): LocalComponent {
  const current = () => loadState().services[def.name];
  const marker = () => def.command('', serviceDir(def.name)).marker;
  return {
    name: def.name,

    async up(run: Run): Promise<void> {
      await run.converge({
        name: 'running',
        host: def.name,
        read: async () => ({
          answering: await def.probe(def.host, def.port),
          ours: isOurs(current()?.pid, marker()),
          known: current(),
        }),
        diff: (s) => {
          if (s.answering && (s.ours || (s.known && !s.known.owned))) return null;
          if (s.answering) return def.reuse ? `reuse the ${def.name} on ${def.host}:${def.port}` : null;
          return `start ${def.name} on ${def.host}:${def.port}`;
        },
        describe: (s) =>
          s.ours ? `ours, pid ${s.known?.pid} on ${def.host}:${def.port}` : `reusing ${def.host}:${def.port}`,
        apply: async (s) => {
          if (s.answering) {
            updateState((state) => {
              state.services[def.name] = { host: def.host, port: def.port, owned: false };
            });
            return;
          }
          const binary = findBinary(def.binaries);
          if (!binary)
            throw new ToolkitError(`${def.binaries[0]} not found: apt-get install ${def.debianPackage}`);
          const dir = serviceDir(def.name);
          mkdirSync(dir, { recursive: true });
          def.prepare?.(dir);
          const { args, env } = def.command(binary, dir);
          const pid = spawnDetached(binary, args, {
            logFile: join(dir, 'server.log'),
            env: { ...process.env, ...env },
          });
          updateState((state) => {
            state.services[def.name] = { host: def.host, port: def.port, owned: true, pid };
          });
          await waitFor(
            async () => {
              if (!isOurs(pid, marker()))
                throw new ToolkitError(`${def.name} exited during start: see ${join(dir, 'server.log')}`);
              return (await def.probe(def.host, def.port)) ? true : undefined;
            },
            {
              timeoutMs: def.startTimeoutMs ?? 30_000,
              intervalMs: 200,
              what: `${def.name} on ${def.host}:${def.port}`,
            },
          );
        },
      });
    },

    async down(run: Run, { wipe }): Promise<void> {
      const known = current();
      await run.converge({
        name: 'stopped',
        host: def.name,
        read: async () => isOurs(known?.pid, marker()),
        diff: (ours) => (ours ? `stop pid ${known?.pid}` : null),
        describe: () => (known && !known.owned ? 'not ours (reused), left running' : 'not running'),
        apply: async () => {
          await stopProcess(known!.pid!, marker(), 60_000, true);
        },
        verify: async () =>
          isOurs(known?.pid, marker()) ? Promise.reject(new Error('still running')) : 'stopped',
      });
      if (wipe && known?.owned) rmSync(serviceDir(def.name), { recursive: true, force: true });
    },
  };
}
