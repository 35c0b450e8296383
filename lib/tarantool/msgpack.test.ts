import { describe, expect, it } from 'vitest';
import { decode, decodeAll, encode, encodeIntKeyed, packetLength } from './msgpack.ts';

describe('MessagePack for IPROTO (msgpackr)', () => {
  it('keeps ids above 2^53 exact, both ways, and writes them as uint64', () => {
    for (const id of [2n ** 53n + 1n, 9_007_199_254_740_993n, 2n ** 64n - 1n]) {
      const bytes = encode(id);
      expect(bytes[0]).toBe(0xcf);
      expect(decode(bytes)).toBe(id);
    }
  });

  it('writes an integer past 32 bits as an integer, never a float, and reads it back as a number while safe', () => {
    const bytes = encode(5_000_000_000);
    expect(bytes[0]).toBe(0xcf);
    expect(decode(bytes)).toBe(5_000_000_000);
    expect(decode(encode(-(2 ** 40)))).toBe(-(2 ** 40));
    expect(encode(1.5)[0]).toBe(0xcb);
  });

  it('writes integer-keyed IPROTO maps and reads several values in a row, maps as objects', () => {
    const packet = Buffer.concat([
      encodeIntKeyed([
        [0, 0],
        [1, 7],
      ]),
      encodeIntKeyed([[0x30, [{ name: 'Анна', id: 2n ** 63n }]]]),
    ]);
    expect(packet.subarray(0, 5)).toEqual(Buffer.from([0x82, 0, 0, 1, 7]));
    const [header, body] = decodeAll(packet);
    expect(header).toEqual({ 0: 0, 1: 7 });
    expect(body).toEqual({ 48: [{ name: 'Анна', id: 2n ** 63n }] });
    expect(() => encodeIntKeyed([[200, 1]])).toThrow(/0\.\.127/);
  });

  it('reads the packet length prefix, and waits while it is incomplete', () => {
    expect(packetLength(Buffer.from([0xce, 0, 0, 1, 0]))).toEqual({ size: 256, start: 5 });
    expect(packetLength(Buffer.from([0xce, 0, 0]))).toBeUndefined();
    expect(packetLength(Buffer.from([0x12]))).toEqual({ size: 0x12, start: 1 });
    expect(() => packetLength(Buffer.from([0xa1]))).toThrow(/cannot start with 0xa1/);
  });
});
