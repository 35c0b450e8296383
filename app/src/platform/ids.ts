import { Type } from '@sinclair/typebox';

/**
 * Ids are BIGINT UNSIGNED in MySQL and opaque strings in the contract. Nineteen digits at most keeps
 * every accepted value below 2^64, so a malformed id is a 400 and never a driver error.
 */
export const IdString = Type.String({
  pattern: '^[1-9][0-9]{0,18}$',
  description: 'Identifier (opaque string)',
});

export const UserIdParam = Type.Object({ user_id: IdString }, { additionalProperties: false });
export const IdParam = Type.Object({ id: IdString }, { additionalProperties: false });

const epoch = Date.UTC(2024, 0, 1);

/**
 * Time-ordered 63-bit ids for rows that may live on several shards (chat_message): 41 bits of
 * milliseconds since 2024, 10 bits of instance, 12 bits of sequence. Positive as a signed BIGINT too.
 */
export class IdGenerator {
  private lastMs = 0;
  private sequence = 0;

  constructor(
    private readonly instance: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(instance) || instance < 0 || instance > 1023)
      throw new Error('instance must be 0..1023');
  }

  next(): bigint {
    let ms = Math.max(this.now() - epoch, this.lastMs);
    if (ms === this.lastMs) {
      this.sequence = (this.sequence + 1) & 0xfff;
      // The sequence wrapped inside one millisecond: borrow the next millisecond rather than repeat an id.
      if (this.sequence === 0) ms = this.lastMs + 1;
    } else {
      this.sequence = 0;
    }
    this.lastMs = ms;
    return (BigInt(ms) << 22n) | (BigInt(this.instance) << 12n) | BigInt(this.sequence);
  }
}
