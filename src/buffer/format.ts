/**
 * The disk buffer's on-disk format, version 1: encoding and checking only, no
 * I/O, so the buffer, recovery and `logferry buffer check|dump` share one
 * reading of the bytes.
 *
 * A segment file `<id as 16 hex digits>.lfseg` is a header then records:
 *
 *   header (44 bytes): magic "LFBUFSEG" | u16 format version | u16 header size
 *     | u32 reserved (0) | u64 segment id | u64 created (ms since epoch)
 *     | u64 sequence number of the segment's first record | u32 CRC32 of the bytes before it
 *   record: u32 payload length | u64 sequence number | u32 CRC32 of (length, seq, payload) | payload
 *
 * Integers are big-endian. The CRC is zlib's CRC32 (node:zlib crc32, Node 22+):
 * no CRC32C in Node without a dependency, and CRC32 catches every burst error
 * of up to 32 bits, which is what torn writes and flipped bytes are.
 *
 * Why the header carries the first sequence number: when the last segment is
 * quarantined at start-up, the numbers it used must never be handed out again
 * (a receiver drops duplicates by sender and number), and the header plus the
 * file size bound them without trusting the records.
 *
 * The payload is opaque bytes: the destination's formatted record, which is
 * what it resends. Storing wire bytes keeps this layer free of LogMessage
 * (imports core/ only), formats each message once, and stays readable by
 * `buffer dump` as text.
 */
import { crc32 } from 'node:zlib';

export const FORMAT_VERSION = 1;
export const SEGMENT_MAGIC = Buffer.from('LFBUFSEG', 'latin1');
export const HEADER_SIZE = 44;
export const RECORD_HEADER_SIZE = 16;
export const SEGMENT_SUFFIX = '.lfseg';
export const QUARANTINE_SUFFIX = '.corrupt';
export const CURSOR_FILE = 'cursor.json';
/** a length above this is damage, not a record (syslog-ng's own message limit is far below) */
export const MAX_RECORD_PAYLOAD = 64 * 1024 * 1024;

export interface SegmentHeader {
  version: number;
  id: number;
  created: number;
  firstSeq: number;
}

export function segmentFileName(id: number): string {
  return id.toString(16).padStart(16, '0') + SEGMENT_SUFFIX;
}

/** The id in a segment file name, or undefined for any other file. */
export function segmentIdOf(name: string): number | undefined {
  const m = /^([0-9a-f]{16})\.lfseg$/.exec(name);
  return m ? Number.parseInt(m[1], 16) : undefined;
}

export function encodeHeader(h: Omit<SegmentHeader, 'version'>): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt16BE(FORMAT_VERSION, 8);
  b.writeUInt16BE(HEADER_SIZE, 10);
  b.writeBigUInt64BE(BigInt(h.id), 16);
  b.writeBigUInt64BE(BigInt(h.created), 24);
  b.writeBigUInt64BE(BigInt(h.firstSeq), 32);
  b.writeUInt32BE(crc32(b.subarray(0, 40)), 40);
  return b;
}

export type HeaderResult =
  | { kind: 'ok'; header: SegmentHeader }
  /** fewer bytes than a header: a segment created just before a crash */
  | { kind: 'short' }
  | { kind: 'bad'; reason: string }
  /** written by a newer logferry: refused, never quarantined */
  | { kind: 'newer'; version: number };

export function decodeHeader(b: Buffer): HeaderResult {
  if (b.length < HEADER_SIZE) return { kind: 'short' };
  if (!b.subarray(0, 8).equals(SEGMENT_MAGIC)) return { kind: 'bad', reason: 'not a logferry disk-buffer segment (bad magic)' };
  const version = b.readUInt16BE(8);
  // checked before the CRC: a later version may lay its header out differently
  if (version > FORMAT_VERSION) return { kind: 'newer', version };
  if (version < 1 || b.readUInt16BE(10) !== HEADER_SIZE) return { kind: 'bad', reason: 'bad header size or version' };
  if (crc32(b.subarray(0, 40)) !== b.readUInt32BE(40)) return { kind: 'bad', reason: 'header checksum mismatch' };
  return {
    kind: 'ok',
    header: { version, id: Number(b.readBigUInt64BE(16)), created: Number(b.readBigUInt64BE(24)), firstSeq: Number(b.readBigUInt64BE(32)) },
  };
}

/** One record as the bytes to write: its 16-byte header then the payload. */
export function encodeRecord(seq: number, payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(RECORD_HEADER_SIZE + payload.length);
  b.writeUInt32BE(payload.length, 0);
  b.writeBigUInt64BE(BigInt(seq), 4);
  payload.copy(b, RECORD_HEADER_SIZE);
  b.writeUInt32BE(crc32(payload, crc32(b.subarray(0, 12))), 12);
  return b;
}

export type RecordResult =
  | { kind: 'ok'; seq: number; payload: Buffer; end: number }
  /** the bytes end inside this record: read more, or at a file's end a torn write */
  | { kind: 'short'; need: number }
  | { kind: 'bad'; reason: string };

/** Parses the record at `off` of `b` (which holds the bytes from some file offset up to its end). */
export function parseRecord(b: Buffer, off: number): RecordResult {
  if (b.length - off < RECORD_HEADER_SIZE) return { kind: 'short', need: RECORD_HEADER_SIZE };
  const len = b.readUInt32BE(off);
  if (len > MAX_RECORD_PAYLOAD) return { kind: 'bad', reason: `record length ${len} is impossible` };
  const end = off + RECORD_HEADER_SIZE + len;
  if (end > b.length) return { kind: 'short', need: RECORD_HEADER_SIZE + len };
  const payload = b.subarray(off + RECORD_HEADER_SIZE, end);
  if (crc32(payload, crc32(b.subarray(off, off + 12))) !== b.readUInt32BE(off + 12)) return { kind: 'bad', reason: 'record checksum mismatch' };
  return { kind: 'ok', seq: Number(b.readBigUInt64BE(off + 4)), payload, end };
}

export interface SegmentScan {
  header?: SegmentHeader;
  /** set when the header is unusable (then nothing else is) */
  headerProblem?: HeaderResult;
  records: number;
  firstSeq?: number;
  lastSeq?: number;
  /** offset after the last good record */
  goodEnd: number;
  /**
   * what follows goodEnd: nothing, a torn last record (the bytes end inside it, or it is
   * the file's last and its checksum fails: a write the crash cut), or damage
   */
  tail: { kind: 'clean' } | { kind: 'torn'; offset: number; bytes: number } | { kind: 'corrupt'; offset: number; reason: string };
}

/**
 * Checks a whole segment held in memory. A failing record counts as torn only
 * when nothing valid could follow it: its declared end runs past the file, or
 * it is the last one; one followed by another well-formed record is damage in
 * the middle (flipped bytes), which a crash cannot make.
 */
export function scanSegment(b: Buffer, visit?: (seq: number, payload: Buffer, offset: number) => void): SegmentScan {
  const h = decodeHeader(b);
  if (h.kind !== 'ok') return { headerProblem: h, records: 0, goodEnd: 0, tail: { kind: 'clean' } };
  const scan: SegmentScan = { header: h.header, records: 0, goodEnd: HEADER_SIZE, tail: { kind: 'clean' } };
  let off = HEADER_SIZE;
  let expect = h.header.firstSeq;
  while (off < b.length) {
    const r = parseRecord(b, off);
    if (r.kind === 'short') {
      scan.tail = { kind: 'torn', offset: off, bytes: b.length - off };
      break;
    }
    if (r.kind === 'bad') {
      scan.tail = followedByRecord(b, off) ? { kind: 'corrupt', offset: off, reason: r.reason } : { kind: 'torn', offset: off, bytes: b.length - off };
      break;
    }
    if (r.seq !== expect) {
      scan.tail = { kind: 'corrupt', offset: off, reason: `sequence number ${r.seq} where ${expect} was due` };
      break;
    }
    visit?.(r.seq, r.payload, off);
    scan.records++;
    scan.firstSeq ??= r.seq;
    scan.lastSeq = r.seq;
    expect = r.seq + 1;
    off = r.end;
    scan.goodEnd = off;
  }
  return scan;
}

/** Whether a well-formed record starts where the (failing) record at `off` says it ends. */
function followedByRecord(b: Buffer, off: number): boolean {
  const len = b.readUInt32BE(off);
  const next = off + RECORD_HEADER_SIZE + len;
  if (len > MAX_RECORD_PAYLOAD || next >= b.length) return false;
  return parseRecord(b, next).kind === 'ok';
}
