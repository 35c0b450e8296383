import type { Channel, ConsumeMessage } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import type { FriendsRepository } from '../friends/repository.ts';
import type { Broker } from '../platform/amqp.ts';
import type { FeedStore } from './feed-store.ts';

export interface FanoutEvent {
  kind: 'created' | 'deleted';
  postId: string;
  authorId: string;
  /** Set on a chunk of a large fan-out: continue with followers whose id is greater. */
  after?: string;
}

export interface FanoutLimits {
  /** Above this many followers an author is a celebrity: the fan-out goes to the bulk queue. */
  celebrityFollowers: number;
  /** Followers per page: one query, one Redis pipeline and, for a celebrity, one bulk message. */
  pageSize: number;
}

export interface FanoutNames {
  exchange: string;
  queue: string;
  bulkQueue: string;
}

export function fanoutNames(prefix: string): FanoutNames {
  return {
    exchange: `${prefix}.feed`,
    queue: `${prefix}.feed.fanout`,
    bulkQueue: `${prefix}.feed.fanout.bulk`,
  };
}

/**
 * Puts a new post into its author's followers' feeds (and takes a deleted one out), off the request
 * path, through RabbitMQ. An author with at most `celebrityFollowers` followers is done in one message.
 * A bigger one (a celebrity) goes to a queue of its own, one message per page of followers, each
 * publishing the next: its million followers never hold up the queue that everyone else's posts use,
 * and a page that fails is retried alone.
 */
export class Fanout {
  readonly names: FanoutNames;

  constructor(
    prefix: string,
    private readonly broker: Broker,
    private readonly friends: FriendsRepository,
    private readonly feeds: FeedStore,
    private readonly limits: FanoutLimits,
    private readonly log: FastifyBaseLogger,
  ) {
    this.names = fanoutNames(prefix);
  }

  register(): void {
    const { exchange, queue, bulkQueue } = this.names;
    this.broker.addTopology(async (channel: Channel) => {
      await channel.assertExchange(exchange, 'direct', { durable: true });
      await channel.assertQueue(queue, { durable: true });
      await channel.assertQueue(bulkQueue, { durable: true });
      await channel.bindQueue(queue, exchange, 'post');
      await channel.bindQueue(bulkQueue, exchange, 'bulk');
    });
    this.broker.addConsumer({ queue: () => queue, prefetch: 8, handle: (m) => this.handle(parse(m), false) });
    this.broker.addConsumer({
      queue: () => bulkQueue,
      prefetch: 1,
      handle: (m) => this.handle(parse(m), true),
    });
  }

  /** Queues the event; with the broker away the fan-out runs here instead, so no post is left out. */
  async dispatch(event: FanoutEvent): Promise<void> {
    try {
      await this.broker.publish(this.names.exchange, 'post', event);
    } catch (error) {
      this.log.warn(
        { err: (error as Error).message, post: event.postId },
        'broker unavailable, fan-out runs in process',
      );
      void this.handle(event, false).catch((e: unknown) =>
        this.log.error({ err: (e as Error).message }, 'in-process fan-out failed'),
      );
    }
  }

  async handle(event: FanoutEvent, bulk: boolean): Promise<void> {
    if (!bulk) {
      const { celebrityFollowers } = this.limits;
      const count = await this.friends.followerCountUpTo(event.authorId, celebrityFollowers + 1);
      if (count > celebrityFollowers) {
        await this.broker.publish(this.names.exchange, 'bulk', { ...event, after: '0' });
        return;
      }
      let after = '0';
      for (;;) {
        const followers = await this.apply(event, after);
        if (followers.length < this.limits.pageSize) return;
        after = followers.at(-1)!;
      }
    }
    const followers = await this.apply(event, event.after ?? '0');
    if (followers.length === this.limits.pageSize)
      await this.broker.publish(this.names.exchange, 'bulk', { ...event, after: followers.at(-1)! });
  }

  private async apply(event: FanoutEvent, after: string): Promise<string[]> {
    const followers = await this.friends.followersPage(event.authorId, after, this.limits.pageSize);
    if (event.kind === 'created') await this.feeds.push(followers, event.postId);
    else await this.feeds.remove(followers, event.postId);
    return followers;
  }
}

function parse(message: ConsumeMessage): FanoutEvent {
  const event = JSON.parse(message.content.toString('utf8')) as FanoutEvent;
  if (
    (event.kind !== 'created' && event.kind !== 'deleted') ||
    !/^\d+$/.test(event.postId) ||
    !/^\d+$/.test(event.authorId)
  ) {
    throw new Error('malformed fan-out event');
  }
  return event;
}
