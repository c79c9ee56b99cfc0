import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SUPPORTED_ENCODINGS, canonicalEncoding, createEncodingConverter } from '../../src/syslog/encoding.ts';
import { requirePeers, skipUnlessPeers } from '../helpers/peers.ts';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
function conv(name: string, input: Buffer): string {
  const c = createEncodingConverter(name);
  assert.ok(c, name);
  return c(input, 0, input.length).toString('hex');
}

test('names: iconv spellings and aliases, any case; unknown names give undefined', () => {
  for (const [n, want] of [
    ['iso-8859-2', 'ISO-8859-2'],
    ['ISO8859-2', 'ISO-8859-2'],
    ['iso_8859-2', 'ISO-8859-2'],
    ['Latin2', 'ISO-8859-2'],
    ['utf8', 'UTF-8'],
    ['ANSI_X3.4-1968', 'US-ASCII'],
    ['CP1252', 'WINDOWS-1252'],
    ['gbk', 'GB18030'],
    ['koi8-r//TRANSLIT', 'KOI8-R'],
  ] as const) {
    assert.equal(canonicalEncoding(n), want, n);
  }
  for (const n of ['', 'ebcdic', 'utf-16le', 'windows-1258', 'shift_jis', 'iso-8859-12']) assert.equal(createEncodingConverter(n), undefined, n);
  for (const n of SUPPORTED_ENCODINGS) assert.ok(createEncodingConverter(n), n);
});

test('ASCII-only frames come back as views of the input, no copy', () => {
  const buf = Buffer.from('xx<13>hello\x00yy', 'latin1');
  for (const n of SUPPORTED_ENCODINGS) {
    const out = createEncodingConverter(n)!(buf, 2, 12);
    assert.equal(out.toString('latin1'), '<13>hello\x00', n);
    assert.equal(out.buffer, buf.buffer, n);
  }
});

test('single-byte charsets: real tables where WHATWG differs (observed with glibc 2.36 iconv)', () => {
  // ISO-8859-1 is Latin-1, not windows-1252
  assert.equal(conv('iso-8859-1', hex('80 a4 ff')), 'c280c2a4c3bf');
  // ISO-8859-9: Turkish letters, C1 controls kept
  assert.equal(conv('iso-8859-9', hex('80 d0 fd')), 'c280c49ec4b1');
  // windows-1252 holes are invalid and dropped
  assert.equal(conv('cp1252', hex('41 81 80 8d 42')), '41e282ac42');
  assert.equal(conv('windows-1255', hex('41 ca 42')), '4142');
  // KOI8-U keeps box drawing at 0xAE
  assert.equal(conv('koi8-u', hex('ae a4')), 'e2959dd194');
  // ISO-8859-3 has unassigned positions; ASCII rejects the high half
  assert.equal(conv('iso-8859-3', hex('61 a5 62')), '6162');
  assert.equal(conv('ascii', hex('61 80 ff 62')), '6162');
  assert.equal(conv('iso-8859-2', Buffer.from('\xe1rv\xedzt\xfbr\xf5', 'latin1')), Buffer.from('árvíztűrő').toString('hex'));
});

test('UTF-8: invalid bytes dropped one at a time, glibc limits kept', () => {
  assert.equal(conv('utf-8', hex('61 ff 62 c3 a9')), '6162c3a9');
  // a lone lead byte drops alone; the following ASCII survives
  assert.equal(conv('utf-8', hex('e2 82 41')), '41');
  // overlong and surrogate forms are invalid, every byte dropped
  assert.equal(conv('utf-8', hex('c0 af ed a0 80 5a')), '5a');
  // glibc passes five-byte forms and code points above U+10FFFF through; the BOM is kept
  assert.equal(conv('utf-8', hex('f8 88 80 80 80 f4 90 80 80 ef bb bf')), 'f888808080f4908080efbbbf');
  // truncated at the end of the frame
  assert.equal(conv('utf-8', hex('61 f0 9f 98')), '61');
});

test('GB18030: structure, invalid bytes and glibc 2.36 mappings', () => {
  // the public syslog-ng vector: 0x80 is not a character (WHATWG would give €)
  assert.equal(Buffer.from(conv('GB18030', Buffer.from('foo\x80bar\x80baz', 'latin1')), 'hex').toString(), 'foobarbaz');
  assert.equal(conv('GB18030', hex('c4 e3 ba c3')), Buffer.from('你好').toString('hex'));
  // four-byte: U+00DE and U+10000
  assert.equal(conv('GB18030', hex('81 30 89 37 90 30 81 30')), 'c39ef0908080');
  // a lead byte with a bad trail is dropped alone; the trail is read again as ASCII
  assert.equal(conv('GB18030', hex('81 20 41 ff 81')), '2041');
  // lead + digit without the rest of a four-byte code: both halves re-read
  assert.equal(conv('GB18030', hex('81 30 41')), '3041');
  // GB18030-2005 answers where ICU follows 2022
  assert.equal(conv('GB18030', hex('a3 a0')), 'ee97a5');
  assert.equal(conv('GB18030', hex('fe 51')), 'f0a08287');
  assert.equal(conv('GB18030', hex('82 35 90 37')), '3537');
  assert.equal(conv('GB18030', hex('84 31 83 35')), '3135');
});

test('single-byte charsets and UTF-8 agree byte for byte with the iconv program', { skip: skipUnlessPeers('iconv') }, () => {
  requirePeers('iconv'); // a missing iconv fails the run: it is the reference here
  const lf = Buffer.from('\n');
  for (const enc of SUPPORTED_ENCODINGS) {
    // GB18030's multi-byte resynchronisation under `iconv -c` is not syslog-ng's; covered above
    if (enc === 'GB18030') continue;
    const lines: Buffer[] = [];
    for (let b = 0; b < 256; b++) if (b !== 10) lines.push(Buffer.from([0x41, b, 0x42]));
    if (enc === 'UTF-8') for (let a = 0x80; a < 0x100; a++) for (let b = 0; b < 256; b++) if (b !== 10) lines.push(Buffer.from([a, b, 0x81, 0xbf, 0x41]));
    const r = spawnSync('iconv', ['-c', '-f', enc, '-t', 'UTF-8'], { input: Buffer.concat(lines.flatMap((l) => [l, lf])), maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, `${enc}: ${r.stderr}`);
    const c = createEncodingConverter(enc)!;
    const want = Buffer.concat(lines.flatMap((l) => [c(l, 0, l.length), lf]));
    assert.ok(want.equals(r.stdout), `${enc} differs from iconv`);
  }
});
