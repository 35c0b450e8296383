import { createHash } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import { decodeAll, encodeIntKeyed, type MsgValue, packetLength } from './msgpack.ts';

// IPROTO codes and keys (Tarantool's box/iproto_constants.h); stable since 1.6.
const Code = { auth: 0x07, eval: 0x08, call: 0x0a, ping: 0x40 } as const;
const Key = {
  requestType: 0x00,
  sync: 0x01,
  tuple: 0x21,
  functionName: 0x22,
  userName: 0x23,
  expr: 0x27,
  data: 0x30,
  error24: 0x31,
} as const;
const errorFlag = 0x8000;

export class TarantoolError extends Error {
  override name = 'TarantoolError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** The connection itself broke (refused, reset, closed): the caller may reconnect and retry. */
export class TarantoolConnectionError extends Error {
  override name = 'TarantoolConnectionError';
}

export interface TarantoolOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  connectTimeoutMs?: number;
}

interface Pending {
  resolve(data: MsgValue[]): void;
  reject(error: Error): void;
}

/**
 * A small IPROTO client: greeting, chap-sha1 auth, call, eval and ping, pipelined by sync id.
 * Ours rather than tarantool-driver: on @msgpack/msgpack it decodes uint64 ids without loss, and a broken
 * connection fails every pending request at once so the replicator can reconnect.
 */
export class TarantoolClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private nextSync = 1;
  private closedWith: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly version: string,
    readonly address: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(new TarantoolConnectionError(`${address}: ${error.message}`)));
    socket.on('close', () => this.fail(new TarantoolConnectionError(`${address}: connection closed`)));
  }

  static async connect(options: TarantoolOptions): Promise<TarantoolClient> {
    const address = `${options.host}:${options.port}`;
    const { socket, greeting } = await openSocket(
      options.host,
      options.port,
      options.connectTimeoutMs ?? 5000,
    );
    const version = greeting.toString('latin1', 0, 64).trim();
    const client = new TarantoolClient(socket, version, address);
    if (greeting.length > 128) client.receive(greeting.subarray(128));
    if (options.user && options.user !== 'guest') {
      const salt = Buffer.from(greeting.toString('latin1', 64, 108).trim(), 'base64');
      try {
        await client.request(Code.auth, {
          [Key.userName]: options.user,
          [Key.tuple]: ['chap-sha1', scramble(salt, options.password ?? '')],
        });
      } catch (error) {
        client.close();
        throw error;
      }
    }
    return client;
  }

  /** Calls a global Lua function; resolves to its return values. */
  call(name: string, args: MsgValue[] = []): Promise<MsgValue[]> {
    return this.request(Code.call, { [Key.functionName]: name, [Key.tuple]: args });
  }

  eval(expression: string, args: MsgValue[] = []): Promise<MsgValue[]> {
    return this.request(Code.eval, { [Key.expr]: expression, [Key.tuple]: args });
  }

  async ping(): Promise<void> {
    await this.request(Code.ping, {});
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  close(): void {
    this.socket.destroy();
    this.fail(new TarantoolConnectionError(`${this.address}: connection closed by us`));
  }

  private request(code: number, body: Record<number, MsgValue>): Promise<MsgValue[]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const sync = this.nextSync++;
    const header = encodeIntKeyed([
      [Key.requestType, code],
      [Key.sync, sync],
    ]);
    const payload = encodeIntKeyed(Object.entries(body).map(([k, v]) => [Number(k), v]));
    const length = Buffer.alloc(5);
    length[0] = 0xce;
    length.writeUInt32BE(header.length + payload.length, 1);
    return new Promise((resolve, reject) => {
      this.pending.set(sync, { resolve, reject });
      this.socket.write(Buffer.concat([length, header, payload]));
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const length = packetLength(this.buffer);
      if (!length || this.buffer.length < length.start + length.size) return;
      const packet = this.buffer.subarray(length.start, length.start + length.size);
      this.buffer = this.buffer.subarray(length.start + length.size);
      this.dispatch(packet);
    }
  }

  private dispatch(packet: Buffer): void {
    // Maps read as objects: the integer keys are their decimal strings.
    const [header, body] = decodeAll(packet) as [Record<string, MsgValue>, Record<string, MsgValue>?];
    const sync = Number(header[Key.sync]);
    const waiter = this.pending.get(sync);
    if (!waiter) return;
    this.pending.delete(sync);
    const code = Number(header[Key.requestType]);
    const fields = body ?? {};
    if (code & errorFlag) {
      waiter.reject(new TarantoolError(String(fields[Key.error24] ?? 'unknown error'), code & 0x7fff));
      return;
    }
    const data = fields[Key.data];
    waiter.resolve(Array.isArray(data) ? data : []);
  }

  private fail(error: Error): void {
    if (!this.closedWith) this.closedWith = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

function openSocket(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ socket: Socket; greeting: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let greeting = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TarantoolConnectionError(`${host}:${port}: no greeting within ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(new TarantoolConnectionError(`${host}:${port}: ${error.message}`));
    };
    const onData = (chunk: Buffer) => {
      greeting = Buffer.concat([greeting, chunk]);
      if (greeting.length < 128) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      if (!greeting.toString('latin1', 0, 9).startsWith('Tarantool')) {
        socket.destroy();
        reject(new TarantoolConnectionError(`${host}:${port} is not a Tarantool server`));
        return;
      }
      resolve({ socket, greeting });
    };
    socket.on('data', onData);
    socket.once('error', onError);
  });
}

/** chap-sha1: sha1(password) XOR sha1(salt[0..20] + sha1(sha1(password))). */
export function scramble(salt: Buffer, password: string): Buffer {
  const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest();
  const step1 = sha1(password);
  const step2 = sha1(step1);
  const step3 = sha1(Buffer.concat([salt.subarray(0, 20), step2]));
  const out = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) out[i] = step1[i]! ^ step3[i]!;
  return out;
}
