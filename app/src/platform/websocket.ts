/** The part of ws's WebSocket the guard uses. */
export interface GuardedSocket {
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'pong', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** Close code for a socket over the per-user cap (private range 4000–4999; 429 as in HTTP). */
export const tooManyConnectionsCode = 4429;

/**
 * Every WebSocket of the app (the contract's /post/feed/posted and the pages' /web/live) goes through
 * here: at most `maxPerUser` open at once per user on this instance (one more is closed at once with
 * 4429), and each is pinged every `pingIntervalMs` (from its second interval on); one that has not
 * answered the previous ping by then is dropped, so a vanished client does not hold its socket and its
 * place in the live hub.
 */
export class SocketGuard {
  private readonly perUser = new Map<string, number>();
  /** 'new' until its first sweep, 'answered' after a pong, 'waiting' while a ping is unanswered. */
  private readonly state = new Map<GuardedSocket, 'new' | 'answered' | 'waiting'>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxPerUser: number,
    private readonly pingIntervalMs: number,
  ) {}

  /** Counts the socket against its user until it closes; false (and closed with 4429) over the cap. */
  admit(userId: string, socket: GuardedSocket): boolean {
    const open = this.perUser.get(userId) ?? 0;
    if (open >= this.maxPerUser) {
      socket.close(tooManyConnectionsCode, 'too many connections for this user');
      return false;
    }
    this.perUser.set(userId, open + 1);
    this.state.set(socket, 'new');
    socket.on('pong', () => {
      if (this.state.has(socket)) this.state.set(socket, 'answered');
    });
    socket.once('close', () => {
      this.state.delete(socket);
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    });
    this.timer ??= setInterval(() => this.sweep(), this.pingIntervalMs).unref();
    return true;
  }

  /** Every socket open on this instance now. */
  get open(): number {
    return this.state.size;
  }

  openFor(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    for (const [socket, state] of this.state) {
      if (state === 'waiting') {
        socket.terminate();
      } else if (state === 'new') {
        this.state.set(socket, 'answered');
      } else {
        this.state.set(socket, 'waiting');
        socket.ping();
      }
    }
  }
}
