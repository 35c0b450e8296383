/**
 * The part of MessagePack that IPROTO needs. Integers above 2^53 decode as bigint so that a user id
 * (BIGINT UNSIGNED) never loses digits on its way through Tarantool.
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
  | { [key: string]: MsgValue }
  | Map<number | string, MsgValue>;

export class MsgEncoder {
  private buffer = Buffer.allocUnsafe(1024);
  private offset = 0;

  encode(value: MsgValue): Buffer {
    this.offset = 0;
    this.write(value);
    return Buffer.from(this.buffer.subarray(0, this.offset));
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buffer[this.offset++] = b;
  }

  private write(value: MsgValue): void {
    if (value === null || value === undefined) this.byte(0xc0);
    else if (typeof value === 'boolean') this.byte(value ? 0xc3 : 0xc2);
    else if (typeof value === 'number') this.number(value);
    else if (typeof value === 'bigint') this.bigint(value);
    else if (typeof value === 'string') this.string(value);
    else if (value instanceof Uint8Array) this.binary(value);
    else this.container(value);
  }

  private container(value: MsgValue[] | { [key: string]: MsgValue } | Map<number | string, MsgValue>): void {
    if (Array.isArray(value)) {
      this.header(value.length, 0x90, 0xdc, 0xdd, 15);
      for (const item of value) this.write(item);
      return;
    }
    if (value instanceof Map) {
      this.header(value.size, 0x80, 0xde, 0xdf, 15);
      for (const [k, v] of value) {
        this.write(k);
        this.write(v);
      }
      return;
    }
    const entries = Object.entries(value);
    this.header(entries.length, 0x80, 0xde, 0xdf, 15);
    for (const [k, v] of entries) {
      this.string(k);
      this.write(v);
    }
  }

  private header(length: number, fix: number, b16: number, b32: number, fixMax: number): void {
    if (length <= fixMax) {
      this.byte(fix | length);
      return;
    }
    this.ensure(5);
    if (length <= 0xffff) {
      this.buffer[this.offset++] = b16;
      this.buffer.writeUInt16BE(length, this.offset);
      this.offset += 2;
    } else {
      this.buffer[this.offset++] = b32;
      this.buffer.writeUInt32BE(length, this.offset);
      this.offset += 4;
    }
  }

  private number(n: number): void {
    if (!Number.isInteger(n) || !Number.isSafeInteger(n)) {
      this.ensure(9);
      this.buffer[this.offset++] = 0xcb;
      this.buffer.writeDoubleBE(n, this.offset);
      this.offset += 8;
      return;
    }
    this.bigint(BigInt(n));
  }

  private bigint(n: bigint): void {
    this.ensure(9);
    const b = this.buffer;
    if (n >= 0n) {
      if (n < 128n) b[this.offset++] = Number(n);
      else if (n < 256n) {
        b[this.offset++] = 0xcc;
        b[this.offset++] = Number(n);
      } else if (n < 65536n) {
        b[this.offset++] = 0xcd;
        b.writeUInt16BE(Number(n), this.offset);
        this.offset += 2;
      } else if (n < 4294967296n) {
        b[this.offset++] = 0xce;
        b.writeUInt32BE(Number(n), this.offset);
        this.offset += 4;
      } else {
        b[this.offset++] = 0xcf;
        b.writeBigUInt64BE(n, this.offset);
        this.offset += 8;
      }
      return;
    }
    if (n >= -32n) b[this.offset++] = Number(n) & 0xff;
    else if (n >= -128n) {
      b[this.offset++] = 0xd0;
      b.writeInt8(Number(n), this.offset++);
    } else if (n >= -32768n) {
      b[this.offset++] = 0xd1;
      b.writeInt16BE(Number(n), this.offset);
      this.offset += 2;
    } else if (n >= -2147483648n) {
      b[this.offset++] = 0xd2;
      b.writeInt32BE(Number(n), this.offset);
      this.offset += 4;
    } else {
      b[this.offset++] = 0xd3;
      b.writeBigInt64BE(n, this.offset);
      this.offset += 8;
    }
  }

  private string(s: string): void {
    const length = Buffer.byteLength(s);
    if (length < 32) this.byte(0xa0 | length);
    else if (length < 256) {
      this.byte(0xd9);
      this.byte(length);
    } else this.header(length, 0, 0xda, 0xdb, -1);
    this.ensure(length);
    this.buffer.write(s, this.offset, 'utf8');
    this.offset += length;
  }

  private binary(data: Uint8Array): void {
    if (data.length < 256) {
      this.byte(0xc4);
      this.byte(data.length);
    } else this.header(data.length, 0, 0xc5, 0xc6, -1);
    this.ensure(data.length);
    this.buffer.set(data, this.offset);
    this.offset += data.length;
  }
}

/** Thrown when a buffer ends in the middle of a value: wait for more bytes. */
export class Incomplete extends Error {}

export class MsgDecoder {
  offset = 0;
  constructor(private readonly buffer: Buffer) {}

  decode(): MsgValue {
    const b = this.buffer;
    const type = this.u8();
    if (type <= 0x7f) return type;
    if (type >= 0xe0) return type - 0x100;
    if ((type & 0xf0) === 0x80) return this.map(type & 0x0f);
    if ((type & 0xf0) === 0x90) return this.array(type & 0x0f);
    if ((type & 0xe0) === 0xa0) return this.str(type & 0x1f);
    switch (type) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.u8());
      case 0xc5:
        return this.bin(this.u16());
      case 0xc6:
        return this.bin(this.u32());
      case 0xca:
        this.need(4);
        this.offset += 4;
        return b.readFloatBE(this.offset - 4);
      case 0xcb:
        this.need(8);
        this.offset += 8;
        return b.readDoubleBE(this.offset - 8);
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        this.need(8);
        const n = b.readBigUInt64BE(this.offset);
        this.offset += 8;
        return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      case 0xd0:
        this.need(1);
        return b.readInt8(this.offset++);
      case 0xd1:
        this.need(2);
        this.offset += 2;
        return b.readInt16BE(this.offset - 2);
      case 0xd2:
        this.need(4);
        this.offset += 4;
        return b.readInt32BE(this.offset - 4);
      case 0xd3: {
        this.need(8);
        const n = b.readBigInt64BE(this.offset);
        this.offset += 8;
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8: {
        // Fixed extensions (decimals, UUIDs): kept as raw bytes, IPROTO replies here never need them.
        const size = [1, 2, 4, 8, 16][type - 0xd4]!;
        return this.bin(size + 1);
      }
      case 0xc7:
        return this.bin(this.u8() + 1);
      case 0xc8:
        return this.bin(this.u16() + 1);
      case 0xc9:
        return this.bin(this.u32() + 1);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16());
      case 0xdd:
        return this.array(this.u32());
      case 0xde:
        return this.map(this.u16());
      case 0xdf:
        return this.map(this.u32());
      default:
        throw new Error(`msgpack: unknown type byte 0x${type.toString(16)}`);
    }
  }

  private need(n: number): void {
    if (this.offset + n > this.buffer.length) throw new Incomplete();
  }

  private u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  private u16(): number {
    this.need(2);
    this.offset += 2;
    return this.buffer.readUInt16BE(this.offset - 2);
  }

  private u32(): number {
    this.need(4);
    this.offset += 4;
    return this.buffer.readUInt32BE(this.offset - 4);
  }

  private str(length: number): string {
    this.need(length);
    this.offset += length;
    return this.buffer.toString('utf8', this.offset - length, this.offset);
  }

  private bin(length: number): Uint8Array {
    this.need(length);
    this.offset += length;
    return this.buffer.subarray(this.offset - length, this.offset);
  }

  private array(length: number): MsgValue[] {
    const out: MsgValue[] = new Array(length);
    for (let i = 0; i < length; i++) out[i] = this.decode();
    return out;
  }

  /**
   * IPROTO's own maps have integer keys and decode to Map; Lua tables with string keys (what the
   * server's functions return) decode to plain objects.
   */
  private map(length: number): Map<number | string, MsgValue> | { [key: string]: MsgValue } {
    const entries: Array<[number | string, MsgValue]> = [];
    let allStrings = true;
    for (let i = 0; i < length; i++) {
      const raw = this.decode();
      const key = typeof raw === 'number' || typeof raw === 'string' ? raw : String(raw);
      if (typeof key !== 'string') allStrings = false;
      entries.push([key, this.decode()]);
    }
    if (!allStrings) return new Map(entries);
    const out: { [key: string]: MsgValue } = {};
    for (const [k, v] of entries) out[k as string] = v;
    return out;
  }
}

export function encode(value: MsgValue): Buffer {
  return new MsgEncoder().encode(value);
}

export function decode(buffer: Buffer): MsgValue {
  return new MsgDecoder(buffer).decode();
}
