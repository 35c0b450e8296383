import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Sends a greeting and tests the first bytes of the answer; false on refusal, timeout or a stranger. */
export function probeTcp(
  host: string,
  port: number,
  hello: Buffer | string,
  accept: (answer: Buffer) => boolean,
  timeoutMs = 1000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(hello));
    socket.once('data', (data: Buffer) => done(accept(data)));
  });
}

export const probeRedis = (host: string, port: number) =>
  probeTcp(host, port, 'PING\r\n', (a) => /^(\+PONG|-NOAUTH)/.test(a.toString('latin1')));

// AMQP 0-9-1 protocol header; a broker answers with a Connection.Start method frame (type 1).
export const probeRabbitmq = (host: string, port: number) =>
  probeTcp(host, port, Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]), (a) => a[0] === 1, 3000);

/** Resolves true when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * A block of free consecutive ports in a range no default service uses, reserved for this process:
 * a port found free is not bound yet, so two test files picking at once (or one picking twice before
 * it starts anything) could otherwise get overlapping blocks. Reservations are files of 10-port slots
 * under the temp dir, each naming its pid; a slot is free again once that pid is gone or after
 * `reservationTtlMs` (by then whatever it was for is listening, and the probe below sees it).
 */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 900) * 10;
    const busy = await Promise.all(
      Array.from({ length: count }, (_, i) => portOpen('127.0.0.1', base + i, 200)),
    );
    if (!busy.some(Boolean) && reserveSlots(base, count)) return base;
  }
  throw new Error('no free block of ports found');
}

const reservationTtlMs = 10 * 60_000;
/** Where the slots' files live; a test points it elsewhere. */
export const portSlots = { dir: join(tmpdir(), 'toolkit-port-slots') };

/** Reserves the 10-port slots a block touches for this process; false when another holds one. */
export function reserveSlots(base: number, count: number): boolean {
  mkdirSync(portSlots.dir, { recursive: true });
  const first = Math.floor(base / 10);
  const last = Math.floor((base + count - 1) / 10);
  const claimed: string[] = [];
  for (let slot = first; slot <= last; slot++) {
    const file = join(portSlots.dir, String(slot));
    if (!claimSlot(file)) {
      for (const mine of claimed) rmSync(mine, { force: true });
      return false;
    }
    claimed.push(file);
  }
  return true;
}

/** Creates the slot's file exclusively, or takes it over from a dead or expired owner. */
function claimSlot(file: string): boolean {
  const mine = `${process.pid} ${Date.now()}\n`;
  try {
    writeFileSync(file, mine, { flag: 'wx' });
    return true;
  } catch {
    // Held, by another process or by an earlier block of this one: not handed out again while it lives.
  }
  const [pid, at] = readSlot(file);
  if (pid && processAlive(pid) && Date.now() - at < reservationTtlMs) return false;
  // Stale: moved aside (only one taker's rename finds it), then made anew exclusively.
  try {
    renameSync(file, `${file}.stale-${process.pid}`);
    rmSync(`${file}.stale-${process.pid}`, { force: true });
    writeFileSync(file, mine, { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function readSlot(file: string): [number, number] {
  try {
    const [pid, at] = readFileSync(file, 'utf8').trim().split(' ').map(Number);
    return [pid ?? 0, at ?? 0];
  } catch {
    return [0, 0];
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
