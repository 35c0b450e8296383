import { Decoder, Encoder } from '@msgpack/msgpack';

/**
 * The MessagePack values IPROTO carries (on @msgpack/msgpack). Integers above 2^53 are bigint so that a user id (BIGINT
 * UNSIGNED) never loses digits on its way through Tarantool.
 */
export type MsgValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MsgValue[]
  | { [key: string]: MsgValue };

// 64-bit integers as bigint both ways: a positive one is written as uint64, as Tarantool's unsigned
// fields require; read back, those within 2^53 become numbers again.
const encoder = new Encoder({ useBigInt64: true });
const decoder = new Decoder({ useBigInt64: true });

const int32 = (n: number) => n >= -(2 ** 31) && n < 2 ** 32;

/** The library writes an integer past 32 bits as a float64 here; Tarantool must see an integer, so it goes as a bigint. */
function integersExact(value: MsgValue): MsgValue {
  if (typeof value === 'number') return Number.isInteger(value) && !int32(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(integersExact);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Map))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, integersExact(v)]));
  return value;
}

/** Safe 64-bit integers back to numbers: an id is a number like any other until it needs more than 53 bits. */
function safeAsNumbers(value: unknown): MsgValue {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  if (Array.isArray(value)) return value.map(safeAsNumbers);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeAsNumbers(v)]));
  return value as MsgValue;
}

export function encode(value: MsgValue): Buffer {
  const bytes = encoder.encode(integersExact(value));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A map with small integer keys (IPROTO's header and body: keys below 128), written by hand because
 * the library writes map keys as strings.
 */
export function encodeIntKeyed(entries: Array<[number, MsgValue]>): Buffer {
  if (entries.length > 15 || entries.some(([k]) => !Number.isInteger(k) || k < 0 || k > 0x7f))
    throw new Error('encodeIntKeyed: at most 15 keys, each 0..127');
  return Buffer.concat([
    Buffer.from([0x80 | entries.length]),
    ...entries.flatMap(([k, v]) => [Buffer.from([k]), encode(v)]),
  ]);
}

/** Maps read as plain objects (integer keys become their decimal strings). */
export function decode(buffer: Uint8Array): MsgValue {
  return safeAsNumbers(decoder.decode(buffer));
}

/** Every value of a buffer holding several in a row (an IPROTO packet: header map, then body map). */
export function decodeAll(buffer: Uint8Array): MsgValue[] {
  return [...decoder.decodeMulti(buffer)].map(safeAsNumbers);
}

/**
 * The length prefix of an IPROTO packet (a MessagePack unsigned integer, 0xce + uint32 as Tarantool
 * writes it): the packet's size and where it starts, or undefined while the prefix is incomplete.
 */
export function packetLength(buffer: Uint8Array): { size: number; start: number } | undefined {
  const first = buffer[0];
  if (first === undefined) return undefined;
  if (first < 0x80) return { size: first, start: 1 };
  const width = { 204: 1, 205: 2, 206: 4 }[first];
  if (width === undefined)
    throw new Error(`IPROTO: a packet length cannot start with 0x${first.toString(16)}`);
  if (buffer.length < 1 + width) return undefined;
  const view = new DataView(buffer.buffer, buffer.byteOffset + 1, width);
  const size = width === 1 ? view.getUint8(0) : width === 2 ? view.getUint16(0) : view.getUint32(0);
  return { size, start: 1 + width };
}
