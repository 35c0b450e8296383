import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import { DependencyUnavailable } from './errors.ts';

/** Declares exchanges and queues on a fresh channel; run again after every reconnect. */
export type Topology = (channel: Channel) => Promise<void>;

/** Told how long each consumed message waited in its queue (from the publisher's timestamp header). */
export type DeliveryObserver = (queue: string, waitedSeconds: number) => void;

/** The header publish() stamps: milliseconds since the epoch when the message was sent. */
const publishedAtHeader = 'x-published-at-ms';

export interface ConsumerSpec {
  /** Resolved after the topology ran (a server-named queue gets its name then). */
  queue: () => string;
  prefetch: number;
  handle(message: ConsumeMessage, channel: Channel): Promise<void>;
}

/**
 * One connection to RabbitMQ that comes back by itself: on loss it reconnects with backoff, declares
 * the topology again and resumes every consumer. Publishing while it is away fails fast.
 */
export class Broker {
  private model: ChannelModel | undefined;
  private publisher: ConfirmChannel | undefined;
  private readonly topologies: Topology[] = [];
  private readonly consumers: ConsumerSpec[] = [];
  private closing = false;
  private connecting: Promise<void> | undefined;
  private observer: DeliveryObserver | undefined;

  constructor(
    private readonly url: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  get connected(): boolean {
    return this.publisher !== undefined;
  }

  addTopology(topology: Topology): void {
    this.topologies.push(topology);
  }

  addConsumer(consumer: ConsumerSpec): void {
    this.consumers.push(consumer);
  }

  /** Connects (retrying until timeoutMs) and starts consumers; later losses reconnect in the background. */
  async start(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connect();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(Math.min(250 * attempt, 2000));
      }
    }
  }

  observeDeliveries(observer: DeliveryObserver): void {
    this.observer = observer;
  }

  /**
   * Messages ready in each queue the app consumes, read on a channel of its own (a failed check closes
   * its channel, which must not be the publisher's); with the broker away, nothing rather than zeros.
   */
  async queueDepths(): Promise<Record<string, number>> {
    const depths: Record<string, number> = {};
    const model = this.model;
    if (!model) return depths;
    const channel = await model.createChannel().catch(() => undefined);
    if (!channel) return depths;
    channel.on('error', () => {});
    try {
      for (const consumer of this.consumers) {
        const queue = consumer.queue();
        depths[queue] = (await channel.checkQueue(queue)).messageCount;
      }
    } catch {
      // A queue that cannot be read now is left out; the next scrape tries again.
    } finally {
      await channel.close().catch(() => {});
    }
    return depths;
  }

  async publish(exchange: string, routingKey: string, body: unknown): Promise<void> {
    const channel = this.publisher;
    if (!channel) throw new DependencyUnavailable('rabbitmq', new Error('not connected'));
    const content = Buffer.from(JSON.stringify(body));
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        exchange,
        routingKey,
        content,
        {
          persistent: true,
          contentType: 'application/json',
          headers: { [publishedAtHeader]: Date.now() },
        },
        (error) => (error ? reject(new DependencyUnavailable('rabbitmq', error)) : resolve()),
      );
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.connecting?.catch(() => {});
    const model = this.model;
    this.model = undefined;
    this.publisher = undefined;
    await model?.close().catch(() => {});
  }

  private async connect(): Promise<void> {
    const model = await amqp.connect(this.url, { timeout: 3000 });
    try {
      const setup = await model.createChannel();
      for (const topology of this.topologies) await topology(setup);
      await setup.close();
      for (const consumer of this.consumers) await this.consume(model, consumer);
      const publisher = await model.createConfirmChannel();
      publisher.on('error', () => {});
      this.model = model;
      this.publisher = publisher;
    } catch (error) {
      await model.close().catch(() => {});
      throw error;
    }
    model.on('error', (error: Error) => this.log.warn({ err: error.message }, 'rabbitmq connection error'));
    model.on('close', () => {
      if (this.model !== model) return;
      this.model = undefined;
      this.publisher = undefined;
      if (this.closing) return;
      this.log.warn('rabbitmq connection lost, reconnecting');
      this.connecting = this.reconnect();
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      await sleep(Math.min(250 * attempt, 5000));
      if (this.closing) return;
      try {
        await this.connect();
        this.log.info('rabbitmq reconnected');
        return;
      } catch (error) {
        this.log.warn({ err: (error as Error).message, attempt }, 'rabbitmq reconnect failed');
      }
    }
  }

  private async consume(model: ChannelModel, spec: ConsumerSpec): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', () => {});
    await channel.prefetch(spec.prefetch);
    await channel.consume(spec.queue(), (message) => {
      if (!message) return;
      const publishedAt = Number(message.properties.headers?.[publishedAtHeader]);
      if (this.observer && Number.isFinite(publishedAt) && publishedAt > 0)
        this.observer(spec.queue(), Math.max(0, Date.now() - publishedAt) / 1000);
      spec.handle(message, channel).then(
        () => settle(() => channel.ack(message)),
        (error: unknown) => {
          this.log.error({ err: (error as Error).message, queue: spec.queue() }, 'message handling failed');
          // Once redelivered and still failing, the message is dropped rather than loop forever.
          settle(() => channel.nack(message, false, !message.fields.redelivered));
        },
      );
    });
  }
}

/** The channel may have closed while the message was handled; the broker then redelivers it anyway. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // Nothing to settle on a closed channel.
  }
}
