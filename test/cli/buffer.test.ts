/**
 * `logferry buffer check|dump` as a user meets them: --help equals docs/cli.md,
 * check exits 0 on a sound buffer (a torn tail included: logferry cuts it) and
 * 1 naming the offset where a segment is corrupt or of a newer format, dump
 * prints the records, and usage mistakes exit 2 with one sentence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiskBuffer } from '../../src/buffer/disk-buffer.ts';
import { allBufferHelp } from '../../src/cli/buffer.ts';
import { encodeRecord, scanSegment, segmentIdOf } from '../../src/buffer/format.ts';
import { REPO_ROOT, tempDir } from '../helpers/peers.ts';
import { documentedHelp } from '../helpers/cli-doc.ts';

function logferry(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'src/cli/main.ts'), 'buffer', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A buffer of 300 records over several segments, the first 100 acknowledged. */
async function makeBuffer(dir: string, ack = 100): Promise<string[]> {
  const b = await DiskBuffer.open(dir, { maxBytes: 1024 * 1024, segmentBytes: 4096, reliable: false });
  for (let i = 1; i <= 300; i++) b.append(Buffer.from(`<14>1 2026-01-01T00:00:00Z host app - - - record ${i}`));
  await b.flush();
  // read() stops at a segment's end: read on until `ack` records are in
  for (let got = 0, turns = 0; got < ack && turns < 100; turns++) got += (await b.read(ack - got)).length;
  await b.ack(ack);
  await b.close();
  return readdirSync(dir).filter((f) => segmentIdOf(f) !== undefined).sort();
}

test('each buffer command prints exactly the --help docs/cli.md shows', () => {
  for (const h of allBufferHelp()) {
    const words = h.words.split(' ').slice(2);
    const r = logferry(...words, '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, h.text, h.words);
    assert.equal(documentedHelp(h.words), r.stdout, `docs/cli.md block for '${h.words}' differs from its --help`);
  }
});

test('check: a sound buffer exits 0 with its counts; a torn last record is reported and still 0', async (t) => {
  const tmp = tempDir('lf-bufcli-ok');
  t.after(() => tmp.remove());
  const files = await makeBuffer(tmp.path);
  const ok = logferry('check', tmp.path);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const live = files.filter((f) => scanSegment(readFileSync(join(tmp.path, f))).lastSeq! > 100);
  const records = live.reduce((n, f) => n + scanSegment(readFileSync(join(tmp.path, f))).records, 0);
  assert.match(ok.stdout, new RegExp(`^${tmp.path}: ${files.length} segments, ${records} records, 200 unacknowledged, acknowledged up to sequence number 100, \\d+ bytes$`, 'm'));
  assert.match(ok.stdout, /^OK: every record checks out\.$/m);
  // the id a receiver knows this buffer's records by
  assert.match(ok.stdout, new RegExp(`^  sender id ${readFileSync(join(tmp.path, 'sender-id'), 'utf8').trim()}$`, 'm'));
  assert.match(ok.stdout, /^  sender id [0-9a-f]{32}$/m);

  const last = join(tmp.path, files.at(-1)!);
  const end = readFileSync(last).length;
  appendFileSync(last, encodeRecord(301, Buffer.from('cut')).subarray(0, 10));
  const torn = logferry('check', tmp.path);
  assert.equal(torn.code, 0, torn.stdout);
  assert.match(torn.stdout, new RegExp(`torn last record at offset ${end} \\(10 bytes`));
});

test('check: bytes flipped in the middle of a segment exit 1 and name the offset; so does a newer format', async (t) => {
  const tmp = tempDir('lf-bufcli-bad');
  t.after(() => tmp.remove());
  const files = await makeBuffer(tmp.path);
  const victim = join(tmp.path, files[files.length - 2]);
  const bytes = readFileSync(victim);
  const offsets: number[] = [];
  scanSegment(bytes, (_seq, _payload, offset) => offsets.push(offset));
  const hit = offsets[Math.floor(offsets.length / 2)];
  bytes[hit + 20] ^= 0xff; // a payload byte of that record
  writeFileSync(victim, bytes);
  for (const target of [tmp.path, victim]) {
    const r = logferry('check', target);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`corrupt at offset ${hit}: record checksum mismatch`));
    assert.match(r.stdout, /^NOT OK: 1 problem found\.$/m);
  }
  // dump prints what comes before the damage, then says where it is
  const d = logferry('dump', victim);
  assert.equal(d.code, 1);
  assert.equal(d.stdout.trim().split('\n').length, Math.floor(offsets.length / 2));
  assert.match(d.stderr, new RegExp(`^logferry buffer: corrupt at offset ${hit} \\(record checksum mismatch\\)`));

  bytes.writeUInt16BE(9, 8);
  writeFileSync(victim, bytes);
  const newer = logferry('check', victim);
  assert.equal(newer.code, 1);
  assert.match(newer.stdout, /format version 9, newer than this logferry reads \(1\); use a newer logferry/);
});

test('dump prints seq, length and payload as text, or JSON lines', async (t) => {
  const tmp = tempDir('lf-bufcli-dump');
  t.after(() => tmp.remove());
  const files = await makeBuffer(tmp.path, 0);
  const file = join(tmp.path, files[0]);
  const text = logferry('dump', file);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'seq=1 length=50 <14>1 2026-01-01T00:00:00Z host app - - - record 1');
  const json = logferry('dump', file, '--json');
  assert.equal(json.code, 0);
  const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; offset: number; length: number; payload: string });
  assert.equal(objs.length, lines.length);
  assert.deepEqual(objs[1], { seq: 2, offset: 44 + 16 + 50, length: 50, payload: '<14>1 2026-01-01T00:00:00Z host app - - - record 2' });
});

test('usage mistakes exit 2 with one sentence and a hint; a missing file exits 1', (t) => {
  const tmp = tempDir('lf-bufcli-usage');
  t.after(() => tmp.remove());
  for (const args of [[], ['bogus'], ['check'], ['check', 'a', 'b'], ['dump', tmp.path], ['dump', 'x', '--hex']]) {
    const r = logferry(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^logferry buffer: [^\n]+\nTry 'logferry buffer --help'\.\n$/, args.join(' '));
  }
  const missing = logferry('check', join(tmp.path, 'nope'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^logferry buffer: cannot read .*nope \(ENOENT\); give a disk-buffer directory or a \.lfseg file\.\n$/);
});
