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
