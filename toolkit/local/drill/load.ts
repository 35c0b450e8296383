import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { call, expectJson, newIdempotencyKey, randomClientAddress } from './http.ts';

export type OpKind = 'read' | 'post' | 'register';

/** One request of the load, with what the client was told. Times are epoch milliseconds. */
export interface Op {
  kind: OpKind;
  client: string;
  startedAt: number;
  endedAt: number;
  /** HTTP status, 0 when no answer came. */
  status: number;
  /** The id the app acknowledged (a post's or a user's): the client was told it is committed. */
  id?: string;
  /** What the write stored, to compare row by row (a post's text, a user's biography). */
  text?: string;
  error?: string;
  /** Sent a second time on a fresh connection: its kept-alive one was closed unread (http.ts call). */
  retried?: boolean;
}

export interface FeedEvent {
  at: number;
  kind: 'open' | 'message' | 'close';
  detail?: string;
}

export interface LoadResult {
  /** In every text the load writes (drillTextPrefix), so the run's rows can be found and counted. */
  runId: string;
  ops: Op[];
  feed: FeedEvent[];
  writers: number;
  readers: number;
}

interface User {
  id: string;
  token: string;
}

const password = 'drill-password-1';

/** How every post text and biography of one run begins (verify.ts counts the run's rows by it). */
export const drillTextPrefix = (runId: string): string => `drill ${runId} `;

async function registerAndLogin(port: number, biography: string): Promise<User> {
  const { user_id: id } = expectJson<{ user_id: string }>(
    await call({
      port,
      path: '/user/register',
      method: 'POST',
      from: randomClientAddress(),
      idempotencyKey: newIdempotencyKey(),
      body: {
        first_name: 'Дрилл',
        second_name: 'Нагрузка',
        birthdate: '1990-01-01',
        biography,
        city: 'Москва',
        password,
      },
    }),
    'register a drill user',
  );
  const { token } = expectJson<{ token: string }>(
    await call({
      port,
      path: '/login',
      method: 'POST',
      from: randomClientAddress(),
      body: { id, password },
      // The app keeps no login answers (a token): a login sent again just logs in again, which is harmless.
      idempotencyKey: newIdempotencyKey(),
    }),
    'log the drill user in',
  );
  return { id, token };
}

/**
 * A bounded mixed load through nginx: writers create posts and, every fifth request, register a user
 * (each from its own loopback address, under the registration limit); readers fetch profiles, the
 * feed and a search; one WebSocket follows the writers' posts. Every request is recorded with its
 * answer; it runs until stop() and never faster than one request per client per `pauseMs`.
 */
export class MixedLoad {
  private stopping = false;
  private readonly ops: Op[] = [];
  private readonly feed: FeedEvent[] = [];
  private running: Promise<unknown> | undefined;
  private socket: WebSocket | undefined;
  readonly runId = randomBytes(4).toString('hex');

  constructor(
    private readonly port: number,
    private readonly options: { writers: number; readers: number; pauseMs: number } = {
      writers: 3,
      readers: 3,
      pauseMs: 20,
    },
  ) {}

  async start(): Promise<void> {
    const writers: User[] = [];
    for (let i = 0; i < this.options.writers; i++)
      writers.push(await registerAndLogin(this.port, `${drillTextPrefix(this.runId)}writer ${i}`));
    const reader = await registerAndLogin(this.port, `${drillTextPrefix(this.runId)}reader`);
    for (const w of writers) {
      const answer = await call({
        port: this.port,
        path: `/friend/set/${w.id}`,
        method: 'PUT',
        token: reader.token,
      });
      if (answer.status !== 200)
        throw new Error(`follow a writer: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    }
    this.openFeed(reader.token);
    this.running = Promise.all([
      ...writers.map((w, i) => this.writer(`writer-${i}`, w)),
      ...Array.from({ length: this.options.readers }, (_, i) => this.reader(`reader-${i}`, reader, writers)),
    ]);
  }

  /** Ends every loop after its request in flight, and the WebSocket. */
  async stop(): Promise<LoadResult> {
    this.stopping = true;
    await this.running;
    this.socket?.close();
    return {
      runId: this.runId,
      ops: this.ops,
      feed: this.feed,
      writers: this.options.writers,
      readers: this.options.readers,
    };
  }

  /** Requests recorded so far (for progress and for waiting on the first accepted write). */
  get recorded(): readonly Op[] {
    return this.ops;
  }

  private async writer(client: string, user: User): Promise<void> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; !this.stopping; i++) {
      const startedAt = Date.now();
      const text = `${drillTextPrefix(this.runId)}${client}.${i}`;
      const register = i % 5 === 4;
      // One key per logical write: http.ts call sends it again with the same key, the app runs it once.
      const idempotencyKey = newIdempotencyKey();
      const answer = register
        ? await call({
            port: this.port,
            path: '/user/register',
            method: 'POST',
            from: randomClientAddress(),
            idempotencyKey,
            body: {
              first_name: 'Дрилл',
              second_name: 'Регистрация',
              birthdate: '1991-02-03',
              biography: text,
              city: 'Казань',
              password,
            },
          })
        : await call({
            port: this.port,
            path: '/post/create',
            method: 'POST',
            token: user.token,
            body: { text },
            agent,
            idempotencyKey,
          });
      const op: Op = {
        kind: register ? 'register' : 'post',
        client,
        startedAt,
        endedAt: Date.now(),
        status: answer.status,
        ...(answer.error ? { error: answer.error } : {}),
        ...(answer.retried ? { retried: true } : {}),
      };
      if (answer.status === 200) {
        const body = JSON.parse(answer.body) as string | { user_id: string };
        op.id = typeof body === 'string' ? body : body.user_id;
        op.text = text;
      } else if (!answer.error) op.error = answer.body.slice(0, 200).trim();
      this.ops.push(op);
      // A refused write is tried again soon, as a client honouring a short retry-after would.
      await sleep(answer.status === 200 ? this.options.pauseMs : 100);
    }
    agent.destroy();
  }

  private async reader(client: string, user: User, writers: User[]): Promise<void> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const paths = [
      () => `/user/get/${writers[Math.floor(Math.random() * writers.length)]!.id}`,
      () => '/post/feed?offset=0&limit=10',
      () => '/user/search?first_name=Дрил&last_name=Нагр',
    ];
    for (let i = 0; !this.stopping; i++) {
      const path = paths[i % paths.length]!();
      const startedAt = Date.now();
      const answer = await call({ port: this.port, path: encodeURI(path), token: user.token, agent });
      this.ops.push({
        kind: 'read',
        client,
        startedAt,
        endedAt: Date.now(),
        status: answer.status,
        ...(answer.retried ? { retried: true } : {}),
        ...(answer.status !== 200
          ? { error: `${path}: ${(answer.error ?? answer.body.slice(0, 200)).trim()}` }
          : {}),
      });
      await sleep(this.options.pauseMs);
    }
    agent.destroy();
  }

  /** The live feed of the reader, who follows every writer; reopened when it closes. */
  private openFeed(token: string): void {
    if (this.stopping) return;
    const socket = new WebSocket(`ws://127.0.0.1:${this.port}/post/feed/posted`, {
      headers: { authorization: `Bearer ${token}` },
    });
    this.socket = socket;
    socket.on('open', () => this.feed.push({ at: Date.now(), kind: 'open' }));
    socket.on('message', (data) => this.feed.push({ at: Date.now(), kind: 'message', detail: String(data) }));
    socket.on('error', () => {});
    socket.on('close', (code) => {
      this.feed.push({ at: Date.now(), kind: 'close', detail: String(code) });
      if (!this.stopping) setTimeout(() => this.openFeed(token), 200);
    });
  }
}
