/**
 * encoding(): converts one frame from a source character set to UTF-8 the
 * way syslog-ng's iconv loop does. syslog-ng skips exactly one byte on an
 * invalid (or, at the end of input, incomplete) sequence and carries on from
 * the next byte, so every converter here drops the first byte of anything it
 * cannot decode and restarts there; nothing is ever replaced by U+FFFD.
 *
 * Supported (compared byte for byte with glibc 2.36 iconv, see
 * test/syslog/encoding.test.ts):
 *   UTF-8; US-ASCII; ISO-8859-1…11, 13…16; windows-1250…1257; KOI8-R; KOI8-U;
 *   IBM866; GB18030 (and the GBK/GB2312/CP936 spellings, decoded as GB18030,
 *   a superset).
 * Only encodings in which bytes 0x00 and 0x0A always mean NUL and LF are
 * offered: logferry frames first and converts each frame, while syslog-ng
 * converts the byte stream before framing. For these encodings the two orders
 * give the same frames; UTF-16/32 and the ISO-2022 family would not.
 *
 * Not offered: windows-1258, which glibc decodes statefully (it composes a
 * base letter with a following combining mark), and the other CJK charsets,
 * whose glibc tables differ from the WHATWG ones in many places.
 *
 * Known differences from iconv:
 *   - log-msg-size counts source bytes, not converted UTF-8 bytes, and a
 *     multi-byte character cut by it is dropped rather than carried over.
 *   - GBK/GB2312/CP936 accept the whole of GB18030 (glibc rejects four-byte
 *     sequences and some two-byte ones for those names).
 *   - UTF-8 follows glibc, not RFC 3629: five- and six-byte forms and code
 *     points above U+10FFFF pass through; overlongs and surrogates are dropped.
 */

import { TextDecoder } from 'node:util';

export type EncodingConverter = (buf: Buffer, start: number, end: number) => Buffer;

/** canonical names, as listed in error messages */
export const SUPPORTED_ENCODINGS: readonly string[] = [
  'UTF-8',
  'US-ASCII',
  'ISO-8859-1',
  'ISO-8859-2',
  'ISO-8859-3',
  'ISO-8859-4',
  'ISO-8859-5',
  'ISO-8859-6',
  'ISO-8859-7',
  'ISO-8859-8',
  'ISO-8859-9',
  'ISO-8859-10',
  'ISO-8859-11',
  'ISO-8859-13',
  'ISO-8859-14',
  'ISO-8859-15',
  'ISO-8859-16',
  'WINDOWS-1250',
  'WINDOWS-1251',
  'WINDOWS-1252',
  'WINDOWS-1253',
  'WINDOWS-1254',
  'WINDOWS-1255',
  'WINDOWS-1256',
  'WINDOWS-1257',
  'KOI8-R',
  'KOI8-U',
  'IBM866',
  'GB18030',
];

/** iconv-style spellings (lower case, punctuation removed) → canonical name */
const ALIASES: Record<string, string> = {
  utf8: 'UTF-8',
  ascii: 'US-ASCII',
  usascii: 'US-ASCII',
  ansix341968: 'US-ASCII',
  iso646us: 'US-ASCII',
  latin1: 'ISO-8859-1',
  l1: 'ISO-8859-1',
  latin2: 'ISO-8859-2',
  l2: 'ISO-8859-2',
  latin3: 'ISO-8859-3',
  l3: 'ISO-8859-3',
  latin4: 'ISO-8859-4',
  l4: 'ISO-8859-4',
  cyrillic: 'ISO-8859-5',
  arabic: 'ISO-8859-6',
  greek: 'ISO-8859-7',
  hebrew: 'ISO-8859-8',
  latin5: 'ISO-8859-9',
  l5: 'ISO-8859-9',
  latin6: 'ISO-8859-10',
  l6: 'ISO-8859-10',
  tis620: 'ISO-8859-11',
  latin7: 'ISO-8859-13',
  l7: 'ISO-8859-13',
  latin8: 'ISO-8859-14',
  l8: 'ISO-8859-14',
  latin9: 'ISO-8859-15',
  latin10: 'ISO-8859-16',
  l10: 'ISO-8859-16',
  cp866: 'IBM866',
  ibm866: 'IBM866',
  '866': 'IBM866',
  koi8r: 'KOI8-R',
  koi8u: 'KOI8-U',
  gb18030: 'GB18030',
  gbk: 'GB18030',
  gb2312: 'GB18030',
  cp936: 'GB18030',
  euccn: 'GB18030',
};
for (let i = 1; i <= 16; i++) {
  if (i === 12) continue;
  ALIASES[`iso8859${i}`] = `ISO-8859-${i}`;
  ALIASES[`iso${i}`] = `ISO-8859-${i}`;
  ALIASES[`8859${i}`] = `ISO-8859-${i}`;
}
for (let i = 1250; i <= 1257; i++) {
  ALIASES[`windows${i}`] = `WINDOWS-${i}`;
  ALIASES[`cp${i}`] = `WINDOWS-${i}`;
  ALIASES[`ms${i}`] = `WINDOWS-${i}`;
}

/** Canonical name for an iconv-style charset name (case and punctuation ignored), or undefined. */
export function canonicalEncoding(name: string): string | undefined {
  // iconv suffixes such as //TRANSLIT or //IGNORE do not change what is decoded
  const key = name.split('//')[0].toLowerCase().replace(/[^a-z0-9]/g, '');
  return ALIASES[key];
}

const converters = new Map<string, EncodingConverter>();

/** A converter for `name`, or undefined when logferry does not know that encoding. */
export function createEncodingConverter(name: string): EncodingConverter | undefined {
  const canon = canonicalEncoding(name);
  if (canon === undefined) return undefined;
  let c = converters.get(canon);
  if (!c) {
    c = build(canon);
    converters.set(canon, c);
  }
  return c;
}

function build(canon: string): EncodingConverter {
  if (canon === 'UTF-8') return convertUtf8;
  if (canon === 'GB18030') return convertGb18030;
  return singleByteConverter(singleByteTable(canon));
}

// ---------------------------------------------------------------- single-byte charsets

const INVALID = -1;

/** byte → code point (INVALID where glibc reports EILSEQ) */
function singleByteTable(canon: string): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i;
  if (canon === 'US-ASCII') {
    t.fill(INVALID, 0x80);
    return t;
  }
  if (canon === 'ISO-8859-1') return t;
  if (canon === 'ISO-8859-9') {
    // WHATWG maps this label to windows-1254; the real table is Latin-1 with six Turkish letters
    t[0xd0] = 0x11e;
    t[0xdd] = 0x130;
    t[0xde] = 0x15e;
    t[0xf0] = 0x11f;
    t[0xfd] = 0x131;
    t[0xfe] = 0x15f;
    return t;
  }
  if (canon === 'ISO-8859-11') {
    // WHATWG maps this label to windows-874; glibc's table is TIS-620 plus NBSP, C1 kept
    for (let b = 0xa1; b < 0x100; b++) t[b] = (b <= 0xda || (b >= 0xdf && b <= 0xfb)) ? 0x0e00 + b - 0xa0 : INVALID;
    return t;
  }
  const high = new Uint8Array(128);
  for (let i = 0; i < 128; i++) high[i] = 0x80 + i;
  const decoded = new TextDecoder(canon.toLowerCase()).decode(high);
  let k = 0;
  for (const ch of decoded) t[0x80 + k++] = ch.codePointAt(0) === 0xfffd ? INVALID : (ch.codePointAt(0) as number);
  if (canon.startsWith('WINDOWS-')) {
    // WHATWG fills the holes of the Microsoft tables with C1 controls; glibc leaves them undefined
    for (let b = 0x80; b < 0xa0; b++) if (t[b] === b) t[b] = INVALID;
  }
  // glibc's CP1255 has no HEBREW POINT HOLAM HASER FOR VAV
  if (canon === 'WINDOWS-1255') t[0xca] = INVALID;
  if (canon === 'KOI8-U') {
    // WHATWG's koi8-u is KOI8-RU; RFC 2319 KOI8-U (glibc) keeps box drawing at 0xAE/0xBE
    t[0xae] = 0x255d;
    t[0xbe] = 0x256c;
  }
  return t;
}

function singleByteConverter(table: Int32Array): EncodingConverter {
  // UTF-8 bytes per source byte, packed: length in the low byte, up to three bytes above it
  const enc = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    const cp = table[b];
    if (cp === INVALID) enc[b] = 0;
    else if (cp < 0x80) enc[b] = 1 | (cp << 8);
    else if (cp < 0x800) enc[b] = 2 | ((0xc0 | (cp >> 6)) << 8) | ((0x80 | (cp & 0x3f)) << 16);
    else enc[b] = (3 | ((0xe0 | (cp >> 12)) << 8) | ((0x80 | ((cp >> 6) & 0x3f)) << 16) | ((0x80 | (cp & 0x3f)) << 24)) >>> 0;
  }
  return (buf, start, end) => {
    let len = 0;
    let identity = true;
    for (let i = start; i < end; i++) {
      const e = enc[buf[i]];
      len += e & 0xff;
      if (buf[i] >= 0x80) identity = false;
    }
    if (identity && len === end - start) return buf.subarray(start, end);
    const out = Buffer.allocUnsafe(len);
    let o = 0;
    for (let i = start; i < end; i++) {
      let e = enc[buf[i]];
      let n = e & 0xff;
      while (n-- > 0) {
        e >>>= 8;
        out[o++] = e & 0xff;
      }
    }
    return out;
  };
}

// ---------------------------------------------------------------- UTF-8

/**
 * length of the UTF-8 sequence at i as glibc accepts it, 0 if invalid: no
 * overlongs or surrogates, but five- and six-byte forms up to 0x7FFFFFFF
 */
function utf8SeqLen(buf: Buffer, i: number, end: number): number {
  const b = buf[i];
  if (b < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b < 0xc2) return 0;
  else if (b <= 0xdf) n = 2;
  else if (b <= 0xef) {
    n = 3;
    if (b === 0xe0) lo = 0xa0;
    else if (b === 0xed) hi = 0x9f;
  } else if (b <= 0xf7) {
    n = 4;
    if (b === 0xf0) lo = 0x90;
  } else if (b <= 0xfb) {
    n = 5;
    if (b === 0xf8) lo = 0x88;
  } else if (b <= 0xfd) {
    n = 6;
    if (b === 0xfc) lo = 0x84;
  } else return 0;
  if (i + n > end) return 0;
  const b2 = buf[i + 1];
  if (b2 < lo || b2 > hi) return 0;
  for (let k = 2; k < n; k++) if ((buf[i + k] & 0xc0) !== 0x80) return 0;
  return n;
}

function convertUtf8(buf: Buffer, start: number, end: number): Buffer {
  let i = start;
  while (i < end && buf[i] < 0x80) i++;
  // first pass: is there anything to drop at all?
  let bad = -1;
  while (i < end) {
    const n = utf8SeqLen(buf, i, end);
    if (n === 0) {
      bad = i;
      break;
    }
    i += n;
  }
  if (bad < 0) return buf.subarray(start, end);
  const out = Buffer.allocUnsafe(end - start);
  let o = buf.copy(out, 0, start, bad);
  i = bad;
  while (i < end) {
    const n = utf8SeqLen(buf, i, end);
    if (n === 0) {
      i++;
      continue;
    }
    for (let k = 0; k < n; k++) out[o++] = buf[i + k];
    i += n;
  }
  return out.subarray(0, o);
}

// ---------------------------------------------------------------- GB18030

let gbDecoder: TextDecoder | undefined;

/** structural length of the GB18030 sequence at i (1, 2 or 4), 0 if malformed or cut short */
function gbSeqLen(buf: Buffer, i: number, end: number): number {
  const b = buf[i];
  if (b < 0x80) return 1;
  if (b === 0x80 || b === 0xff || i + 1 >= end) return 0;
  const b2 = buf[i + 1];
  if ((b2 >= 0x40 && b2 <= 0x7e) || (b2 >= 0x80 && b2 <= 0xfe)) return 2;
  if (b2 >= 0x30 && b2 <= 0x39 && i + 3 < end) {
    const b3 = buf[i + 2];
    const b4 = buf[i + 3];
    if (b3 >= 0x81 && b3 <= 0xfe && b4 >= 0x30 && b4 <= 0x39) return 4;
  }
  return 0;
}

/**
 * Where glibc 2.36 (GB18030-2005) and ICU (GB18030-2022) disagree, glibc's
 * answer: sequence bytes as a number → code point, or INVALID.
 */
const GB_GLIBC = new Map<number, number>([
  [0xa3a0, 0xe5e5],
  [0xfe51, 0x20087],
  [0xfe52, 0x20089],
  [0xfe53, 0x200cc],
  [0xfe6c, 0x215d7],
  [0xfe76, 0x2298f],
  [0xfe91, 0x241fe],
]);
// four-byte codes ICU maps to the vertical forms and CJK radicals glibc lacks
for (const [from, count] of [[0x82359037, 8], [0x84318236, 10]]) {
  for (let k = 0, seq: number = from; k < count; k++) {
    GB_GLIBC.set(seq >>> 0, INVALID);
    // step the last byte 0x30…0x39, carrying into the third
    seq = (seq & 0xff) === 0x39 ? seq + 0x100 - 9 : seq + 1;
  }
}

/** UTF-8 of one structurally valid multi-byte GB18030 sequence, or undefined if unmapped */
function gbChar(buf: Buffer, i: number, n: number): string | undefined {
  const key = n === 2 ? (buf[i] << 8) | buf[i + 1] : buf.readUInt32BE(i);
  const fix = GB_GLIBC.get(key);
  if (fix !== undefined) return fix === INVALID ? undefined : String.fromCodePoint(fix);
  try {
    return (gbDecoder as TextDecoder).decode(buf.subarray(i, i + n));
  } catch {
    return undefined;
  }
}

function convertGb18030(buf: Buffer, start: number, end: number): Buffer {
  let i = start;
  while (i < end && buf[i] < 0x80) i++;
  if (i === end) return buf.subarray(start, end);
  gbDecoder ??= new TextDecoder('gb18030', { fatal: true, ignoreBOM: true });
  // UTF-8 needs at most 3 bytes per GB18030 byte pair and 4 per four-byte sequence
  const out = Buffer.allocUnsafe((end - start) * 2);
  let o = buf.copy(out, 0, start, i);
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      out[o++] = b;
      i++;
      continue;
    }
    const n = gbSeqLen(buf, i, end);
    const s = n === 0 ? undefined : gbChar(buf, i, n);
    if (s === undefined) {
      i++;
      continue;
    }
    o += out.write(s, o, 'utf8');
    i += n;
  }
  return out.subarray(0, o);
}
