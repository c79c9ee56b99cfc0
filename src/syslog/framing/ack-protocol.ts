/**
 * The logferry-ack/1 wire protocol (docs/ack-transfer.md): what two logferry
 * nodes speak inside TLS once ALPN selected `logferry-ack/1`. Byte-only, like
 * the other decoders here: a record's payload is the exact bytes a plain
 * syslog peer would get (octet-counted or newline-framed), so the receiver
 * frames and parses it the way it would on a plain connection.
 *
 * Frames (integers big-endian; seq is an unsigned 64-bit field holding a safe integer):
 *   sender → receiver   'H' version:u8 idLen:u8 id:idLen firstSeq:u64     once, first
 *                       'R' seq:u64 len:u32 payload:len                   one per record
 *   receiver → sender   'A' seq:u64                                       every record ≤ seq was written
 * Every length is bounded before anything is allocated; anything else is an
 * error that ends the connection.
 */

export const ACK_PROTOCOL_ALPN = 'logferry-ack/1';
export const ACK_PROTOCOL_VERSION = 1;

const T_HELLO = 0x48; // 'H'
const T_RECORD = 0x52; // 'R'
const T_ACK = 0x41; // 'A'

/** sender ids: 1–64 characters of [A-Za-z0-9_-] (logferry's are 32 hex digits) */
const SENDER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** the largest record payload a decoder takes unless told otherwise */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;

export type SenderFrame =
  | { type: 'hello'; version: number; senderId: string; firstSeq: number }
  | { type: 'record'; seq: number; payload: Buffer };

export class AckProtocolError extends Error {}

function putSeq(buf: Buffer, off: number, seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`sequence number ${seq} is not a non-negative safe integer`);
  buf.writeUInt32BE(Math.floor(seq / 0x100000000), off);
  buf.writeUInt32BE(seq >>> 0, off + 4);
}

function getSeq(buf: Buffer, off: number): number {
  const hi = buf.readUInt32BE(off);
  // 2^53 - 1 needs 21 bits above the low 32
  if (hi > 0x1fffff) throw new AckProtocolError('a sequence number is larger than 2^53 - 1');
  return hi * 0x100000000 + buf.readUInt32BE(off + 4);
}

export function encodeHello(senderId: string, firstSeq: number): Buffer {
  if (!SENDER_ID.test(senderId)) throw new RangeError(`sender id ${JSON.stringify(senderId)} is not 1-64 characters of [A-Za-z0-9_-]`);
  const buf = Buffer.alloc(3 + senderId.length + 8);
  buf[0] = T_HELLO;
  buf[1] = ACK_PROTOCOL_VERSION;
  buf[2] = senderId.length;
  buf.write(senderId, 3, 'latin1');
  putSeq(buf, 3 + senderId.length, firstSeq);
  return buf;
}

/** the header of one record; its payload follows it as is */
export function encodeRecordHeader(seq: number, payloadLength: number): Buffer {
  const buf = Buffer.alloc(13);
  buf[0] = T_RECORD;
  putSeq(buf, 1, seq);
  buf.writeUInt32BE(payloadLength, 9);
  return buf;
}

export function encodeRecords(records: readonly { seq: number; payload: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) parts.push(encodeRecordHeader(r.seq, r.payload.length), r.payload);
  return Buffer.concat(parts);
}

export function encodeAck(seq: number): Buffer {
  const buf = Buffer.alloc(9);
  buf[0] = T_ACK;
  putSeq(buf, 1, seq);
  return buf;
}

/** Bytes of a chunked stream, taken from the front; keeps at most one partial frame. */
class Accumulator {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }
  get length(): number {
    return this.buf.length;
  }
  peek(): Buffer {
    return this.buf;
  }
  /** the first n bytes, removed (a copy, so the caller may keep it past the chunk) */
  take(n: number): Buffer {
    const out = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return out;
  }
  skip(n: number): void {
    this.buf = this.buf.subarray(n);
  }
}

/**
 * The receiver's side: sender frames from any split of the stream. push()
 * returns the frames complete so far; a malformed stream throws
 * AckProtocolError once and then accepts nothing more.
 */
export class SenderFrameDecoder {
  private readonly acc = new Accumulator();
  private readonly maxPayload: number;
  private sawHello = false;
  private lastSeq = -1;
  private failed = false;

  constructor(maxPayload = DEFAULT_MAX_PAYLOAD) {
    this.maxPayload = maxPayload;
  }

  /** bytes of a frame not complete yet */
  get pending(): number {
    return this.acc.length;
  }

  push(chunk: Buffer): SenderFrame[] {
    if (this.failed) throw new AckProtocolError('the stream already failed');
    this.acc.push(chunk);
    const out: SenderFrame[] = [];
    try {
      for (let f = this.next(); f; f = this.next()) out.push(f);
    } catch (err) {
      this.failed = true;
      throw err;
    }
    return out;
  }

  private next(): SenderFrame | undefined {
    const b = this.acc.peek();
    if (b.length === 0) return undefined;
    const type = b[0];
    if (!this.sawHello && type !== T_HELLO) throw new AckProtocolError(`the stream does not start with a hello (first byte 0x${type.toString(16).padStart(2, '0')})`);
    if (type === T_HELLO) {
      if (this.sawHello) throw new AckProtocolError('a second hello on the same connection');
      if (b.length < 3) return undefined;
      if (b[1] !== ACK_PROTOCOL_VERSION) throw new AckProtocolError(`protocol version ${b[1]} is not one this receiver speaks (it speaks ${ACK_PROTOCOL_VERSION})`);
      const idLen = b[2];
      if (b.length < 3 + idLen + 8) return undefined;
      const senderId = b.toString('latin1', 3, 3 + idLen);
      if (!SENDER_ID.test(senderId)) throw new AckProtocolError('the hello carries a sender id that is not 1-64 characters of [A-Za-z0-9_-]');
      const firstSeq = getSeq(b, 3 + idLen);
      this.acc.skip(3 + idLen + 8);
      this.sawHello = true;
      return { type: 'hello', version: ACK_PROTOCOL_VERSION, senderId, firstSeq };
    }
    if (type === T_RECORD) {
      if (b.length < 13) return undefined;
      const seq = getSeq(b, 1);
      const len = b.readUInt32BE(9);
      if (len > this.maxPayload) throw new AckProtocolError(`a record of ${len} bytes is larger than the ${this.maxPayload} bytes allowed`);
      if (seq <= this.lastSeq) throw new AckProtocolError(`record ${seq} does not follow record ${this.lastSeq}`);
      if (b.length < 13 + len) return undefined;
      this.acc.skip(13);
      const payload = this.acc.take(len);
      this.lastSeq = seq;
      return { type: 'record', seq, payload };
    }
    throw new AckProtocolError(`unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** The sender's side: acks from any split of the stream; each is a seq, never going back. */
export class AckDecoder {
  private readonly acc = new Accumulator();
  private last = -1;
  private failed = false;

  push(chunk: Buffer): number[] {
    if (this.failed) throw new AckProtocolError('the stream already failed');
    this.acc.push(chunk);
    const out: number[] = [];
    try {
      while (this.acc.length > 0) {
        const b = this.acc.peek();
        if (b[0] !== T_ACK) throw new AckProtocolError(`unknown frame type 0x${b[0].toString(16).padStart(2, '0')} from the receiver`);
        if (b.length < 9) break;
        const seq = getSeq(b, 1);
        if (seq < this.last) throw new AckProtocolError(`ack ${seq} goes back from ack ${this.last}`);
        this.acc.skip(9);
        this.last = seq;
        out.push(seq);
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
    return out;
  }
}
