import type { Channel, ConsumeMessage } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import type { FriendsRepository } from '../friends/repository.ts';
import type { Broker } from '../platform/amqp.ts';
import type { PostedEvent } from './schemas.ts';

/** The part of a WebSocket the hub needs (ws's WebSocket has it). */
export interface LiveSocket {
  send(data: string): void;
  readonly readyState: number;
}

/** A socket that also wants to know when one of its user's dialogs changed (the web pages' socket). */
export interface DialogSocket extends LiveSocket {
  /** A message from `peerId` arrived, or the user read that dialog (elsewhere): the counts changed. */
  dialogChanged(peerId: string): void;
}

/** What DialogsService tells the sockets of a user (any instance) about their dialogs. */
export interface DialogNotifier {
  publishDialogChanged(userId: string, peerId: string): Promise<void>;
}

type LiveMessage =
  | { type: 'posted'; event: PostedEvent }
  | { type: 'friends-changed'; userId: string }
  | { type: 'dialog'; userId: string; peerId: string };

const open = 1;

/**
 * Delivers new posts to the open /post/feed/posted sockets of the author's followers, on whichever
 * app instance holds them. Every instance gets every post event through a fanout exchange (its own
 * exclusive queue) and looks the author up in an index of the followers connected to it, so the
 * cost per post is a map lookup, not one message per follower; a celebrity costs the same as anyone.
 */
export class LiveHub implements DialogNotifier {
  private readonly sockets = new Map<string, Set<LiveSocket>>();
  /** Sockets that asked for dialog events, by user: delivering one is a lookup, like a post. */
  private readonly dialogSockets = new Map<string, Set<DialogSocket>>();
  /** For each connected user, whom they follow; and the reverse, author → connected followers. */
  private readonly follows = new Map<string, string[]>();
  private readonly followersOf = new Map<string, Set<string>>();
  private queue = '';
  readonly exchange: string;

  constructor(
    prefix: string,
    private readonly broker: Broker,
    private readonly friends: FriendsRepository,
    private readonly log: FastifyBaseLogger,
  ) {
    this.exchange = `${prefix}.live`;
  }

  register(): void {
    this.broker.addTopology(async (channel: Channel) => {
      await channel.assertExchange(this.exchange, 'fanout', { durable: true });
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await channel.bindQueue(queue, this.exchange, '');
      this.queue = queue;
    });
    this.broker.addConsumer({ queue: () => this.queue, prefetch: 100, handle: (m) => this.receive(m) });
  }

  async publishPost(event: PostedEvent): Promise<void> {
    await this.broker.publish(this.exchange, '', { type: 'posted', event } satisfies LiveMessage);
  }

  /** A user's friend list changed (on any instance): reload it where they are connected. */
  async publishFriendsChanged(userId: string): Promise<void> {
    await this.broker.publish(this.exchange, '', { type: 'friends-changed', userId } satisfies LiveMessage);
  }

  /**
   * A message was sent to `userId` by `peerId`, or `userId` read their dialog with `peerId`: told to
   * that user's dialog sockets on every instance (the fanout exchange), so their badges and an open
   * dialog update without polling.
   */
  async publishDialogChanged(userId: string, peerId: string): Promise<void> {
    await this.broker.publish(this.exchange, '', { type: 'dialog', userId, peerId } satisfies LiveMessage);
  }

  /** Dialog events only: no post delivery, so no friend list to load (the pages other than the feed). */
  connectDialogs(userId: string, socket: DialogSocket): void {
    const set = this.dialogSockets.get(userId) ?? new Set();
    set.add(socket);
    this.dialogSockets.set(userId, set);
  }

  disconnectDialogs(userId: string, socket: DialogSocket): void {
    const set = this.dialogSockets.get(userId);
    set?.delete(socket);
    if (set?.size === 0) this.dialogSockets.delete(userId);
  }

  async connect(userId: string, socket: LiveSocket): Promise<void> {
    const first = !this.sockets.has(userId);
    const set = this.sockets.get(userId) ?? new Set();
    set.add(socket);
    this.sockets.set(userId, set);
    if (first) await this.loadFollows(userId);
  }

  disconnect(userId: string, socket: LiveSocket): void {
    const set = this.sockets.get(userId);
    if (!set) return;
    set.delete(socket);
    if (set.size > 0) return;
    this.sockets.delete(userId);
    this.index(userId, []);
  }

  connectedUsers(): number {
    return this.sockets.size;
  }

  private async receive(message: ConsumeMessage): Promise<void> {
    const live = JSON.parse(message.content.toString('utf8')) as LiveMessage;
    if (live.type === 'friends-changed') {
      if (this.sockets.has(live.userId)) await this.loadFollows(live.userId);
      return;
    }
    if (live.type === 'dialog') {
      for (const socket of this.dialogSockets.get(live.userId) ?? []) {
        if (socket.readyState === open) socket.dialogChanged(live.peerId);
      }
      return;
    }
    const payload = JSON.stringify(live.event);
    for (const userId of this.followersOf.get(live.event.author_user_id) ?? []) {
      for (const socket of this.sockets.get(userId) ?? []) {
        if (socket.readyState === open) socket.send(payload);
      }
    }
  }

  private async loadFollows(userId: string): Promise<void> {
    try {
      const authors = await this.friends.friendIds(userId);
      if (this.sockets.has(userId)) this.index(userId, authors);
    } catch (error) {
      this.log.warn({ err: (error as Error).message, user: userId }, 'could not load friends for live feed');
    }
  }

  private index(userId: string, authors: string[]): void {
    for (const author of this.follows.get(userId) ?? []) {
      const set = this.followersOf.get(author);
      set?.delete(userId);
      if (set?.size === 0) this.followersOf.delete(author);
    }
    if (authors.length === 0) {
      this.follows.delete(userId);
      return;
    }
    this.follows.set(userId, authors);
    for (const author of authors) {
      const set = this.followersOf.get(author) ?? new Set();
      set.add(userId);
      this.followersOf.set(author, set);
    }
  }
}
