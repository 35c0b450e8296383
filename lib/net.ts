import { createConnection } from 'node:net';

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

/** A block of free consecutive ports in a range no default service uses. */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 900) * 10;
    const busy = await Promise.all(
      Array.from({ length: count }, (_, i) => portOpen('127.0.0.1', base + i, 200)),
    );
    if (!busy.some(Boolean)) return base;
  }
  throw new Error('no free block of ports found');
}
