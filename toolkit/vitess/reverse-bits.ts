import { containsKeyspaceId, type KeyRange } from './keyrange.ts';

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * The keyspace id Vitess's reverse_bits vindex gives a numeric column: the 64-bit reversal of its
 * bits, big-endian, as 16 hex digits. The lowest bit of the id becomes the highest of the keyspace
 * id, so consecutive ids alternate between the halves of the key space.
 */
export function reverseBitsKeyspaceId(id: bigint | number): string {
  const value = typeof id === 'number' ? BigInt(id) : id;
  if (typeof id === 'number' && !Number.isSafeInteger(id))
    throw new RangeError(`chat_id ${id} is not an exact integer: pass a bigint`);
  if (value < 0n)
    throw new RangeError(`chat_id ${value} is negative: reverse_bits routes only unsigned 64-bit ids`);
  if (value > MAX_UINT64) throw new RangeError(`chat_id ${value} does not fit in 64 bits`);
  let reversed = 0n;
  let rest = value;
  for (let bit = 0; bit < 64; bit++) {
    reversed = (reversed << 1n) | (rest & 1n);
    rest >>= 1n;
  }
  return reversed.toString(16).padStart(16, '0');
}

/** The shard of `shards` that holds the row with this chat_id (shards must partition the key space). */
export function shardForChatId(id: bigint | number, shards: KeyRange[]): KeyRange {
  const keyspaceId = reverseBitsKeyspaceId(id);
  const shard = shards.find((s) => containsKeyspaceId(s, keyspaceId));
  if (!shard)
    throw new RangeError(
      `no shard of ${shards.map((s) => s.name).join(',')} holds keyspace id ${keyspaceId}`,
    );
  return shard;
}
