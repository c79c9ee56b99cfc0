/**
 * The disk buffer's promises: records come back in order and go once
 * acknowledged (the cursor survives a reopen); a SIGKILL loses nothing
 * reported durable and leaves no garbage; a torn last record is cut, a
 * damaged segment quarantined with one line while later segments still
 * read; the size limit holds; a newer format is refused with one sentence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiskBuffer, DiskBufferError, SENDER_ID_FILE } from '../../src/buffer/disk-buffer.ts';
import { CURSOR_FILE, HEADER_SIZE, encodeRecord, scanSegment, segmentIdOf } from '../../src/buffer/format.ts';
import { ManagedProcess, REPO_ROOT, tempDir } from '../helpers/peers.ts';
import { collectEvents, payloadOf, readAll } from './helpers.ts';

const SMALL = { maxBytes: 50 * 1024 * 1024, segmentBytes: 64 * 1024, reliable: true } as const;

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => segmentIdOf(f) !== undefined).sort();
}

async function fill(b: DiskBuffer, from: number, to: number): Promise<void> {
  const durable: Promise<void>[] = [];
  for (let seq = from; seq <= to; seq++) {
    const r = b.append(payloadOf(seq));
    assert.ok(r, `record ${seq} fits`);
    assert.equal(r.seq, seq);
    durable.push(r.durable);
  }
  await Promise.all(durable);
}

function assertInOrder(records: { seq: number; payload: Buffer }[], from: number, to: number): void {
  assert.equal(records.length, to - from + 1, `records ${from}..${to}`);
  records.forEach((r, i) => {
    assert.equal(r.seq, from + i);
    assert.ok(r.payload.equals(payloadOf(from + i)), `payload of ${r.seq}`);
  });
}

test('round trip: N records read in order, acknowledged segments deleted, the cursor kept across a reopen', async (t) => {
  const tmp = tempDir('lf-dbuf-rt');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  await fill(b, 1, 4000);
  assert.ok(segmentFiles(tmp.path).length >= 4, 'rotated at 64 KiB');
  assertInOrder(await readAll(b), 1, 4000);
  const before = segmentFiles(tmp.path).length;
  // acks in a burst (not awaited one by one) share cursor writes and end at the newest
  await Promise.all([500, 1000, 1500, 2000, 2500].map((seq) => b.ack(seq)));
  assert.ok(segmentFiles(tmp.path).length < before, 'segments wholly acknowledged are deleted');
  assert.equal(b.unacknowledged, 1500);
  assert.equal(JSON.parse(readFileSync(join(tmp.path, CURSOR_FILE), 'utf8')).ackedSeq, 2500);
  assert.ok(!readdirSync(tmp.path).includes(CURSOR_FILE + '.tmp'), 'the temp cursor was renamed');
  await b.close();

  const again = await DiskBuffer.open(tmp.path, SMALL);
  t.after(() => again.close());
  assertInOrder(await readAll(again), 2501, 4000);
  // numbering goes on after the last record, in a new segment
  await fill(again, 4001, 4010);
  assertInOrder(await readAll(again), 4001, 4010);
  await again.ack(4010);
  assert.equal(segmentFiles(tmp.path).length, 1, 'only the segment being written stays');
  assert.equal(again.unacknowledged, 0);
});

test('kill -9 while appending: every record reported durable is read back, in order, with no garbage', async (t) => {
  const tmp = tempDir('lf-dbuf-kill');
  t.after(() => tmp.remove());
  const child = new ManagedProcess(process.execPath, [join(REPO_ROOT, 'test/buffer/fixtures/append-child.ts'), tmp.path], {
    name: 'append-child',
    captureStdout: true,
  });
  t.after(() => {
    if (child.exitInfo === undefined) process.kill(child.pid, 'SIGKILL');
  });
  let durable = 0;
  await new Promise<void>((resolve, reject) => {
    let text = '';
    child.child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const lines = text.split('\n');
      text = lines.pop()!;
      for (const l of lines) durable = Math.max(durable, Number(/^durable (\d+)$/.exec(l)?.[1] ?? 0));
      if (durable >= 20_000) resolve();
    });
    void child.exited.then((e) => reject(new Error(`the child ended first: ${JSON.stringify(e)}`)));
  });
  process.kill(child.pid, 'SIGKILL');
  const exit = await child.exited;
  assert.equal(exit.signal, 'SIGKILL');

  const { result: records, events } = await collectEvents(async () => {
    const b = await DiskBuffer.open(tmp.path, SMALL);
    t.after(() => b.close());
    return readAll(b);
  });
  assert.ok(records.length >= durable, `${records.length} records read, ${durable} were durable`);
  assertInOrder(records, 1, records.length);
  assert.deepEqual(events.filter((e) => e.kind === 'disk_buffer_segment_quarantined'), [], 'a crash is not corruption');
  // every segment now ends exactly after its last whole record
  for (const f of segmentFiles(tmp.path)) {
    const scan = scanSegment(readFileSync(join(tmp.path, f)));
    assert.equal(scan.tail.kind, 'clean', `${f}: ${JSON.stringify(scan.tail)}`);
  }
});

test('a torn last record (cut short, or whole with a bad checksum) is truncated away with one notice', async (t) => {
  for (const kind of ['cut short', 'bad checksum'] as const) {
    const tmp = tempDir('lf-dbuf-torn');
    t.after(() => tmp.remove());
    const b = await DiskBuffer.open(tmp.path, SMALL);
    await fill(b, 1, 100);
    await b.close();
    const file = join(tmp.path, segmentFiles(tmp.path).at(-1)!);
    const goodSize = statSync(file).size;
    const rec = encodeRecord(101, payloadOf(101));
    if (kind === 'cut short') appendFileSync(file, rec.subarray(0, 30));
    else {
      rec[rec.length - 1] ^= 0xff;
      appendFileSync(file, rec);
    }
    const { result: again, events } = await collectEvents(() => DiskBuffer.open(tmp.path, SMALL));
    t.after(() => again.close());
    assert.deepEqual(
      events.map((e) => e.kind),
      ['disk_buffer_torn_tail_cut'],
      kind,
    );
    assert.equal(statSync(file).size, goodSize, `${kind}: cut back to the last whole record`);
    assertInOrder(await readAll(again), 1, 100);
    await fill(again, 101, 101);
    assertInOrder(await readAll(again), 101, 101);
  }
});

test('bytes flipped in the middle of a segment: that segment is quarantined with one line, later segments still read', async (t) => {
  const tmp = tempDir('lf-dbuf-flip');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  await fill(b, 1, 4000);
  await b.close();
  const files = segmentFiles(tmp.path);
  assert.ok(files.length >= 4);
  const victim = join(tmp.path, files[1]);
  const bytes = readFileSync(victim);
  const scanBefore = scanSegment(bytes);
  const mid = Math.floor(bytes.length / 2);
  for (let i = 0; i < 8; i++) bytes[mid + i] ^= 0x5a;
  writeFileSync(victim, bytes);

  const { result, events } = await collectEvents(async () => {
    const again = await DiskBuffer.open(tmp.path, SMALL);
    t.after(() => again.close());
    return { again, records: await readAll(again) };
  });
  const quarantined = events.filter((e) => e.kind === 'disk_buffer_segment_quarantined');
  assert.equal(quarantined.length, 1, 'one line');
  assert.ok(readdirSync(tmp.path).includes(files[1] + '.corrupt'), 'renamed aside');
  assert.ok(!readdirSync(tmp.path).includes(files[1]));
  const seqs = result.records.map((r) => r.seq);
  // everything outside the damaged segment, in order; of it, only records before the damage
  const lostFrom = seqs.findIndex((s, i) => i > 0 && s !== seqs[i - 1] + 1);
  assert.ok(lostFrom > 0, 'a gap where the segment was');
  assert.ok(seqs[lostFrom - 1] >= scanBefore.firstSeq! - 1 && seqs[lostFrom - 1] < scanBefore.lastSeq!, 'read up to the damage');
  assert.equal(seqs[lostFrom], scanBefore.lastSeq! + 1, 'and on from the next segment');
  assert.equal(seqs.at(-1), 4000);
  for (const r of result.records) assert.ok(r.payload.equals(payloadOf(r.seq)));
  // acknowledging everything empties the buffer; the quarantined file stays for a human
  await result.again.ack(4000);
  assert.equal(result.again.segmentCount, 0);
  assert.deepEqual(await result.again.read(), [], 'no endless loop over the damaged segment');
});

test('damage in the middle of the last segment at start-up: quarantined, and its numbers are never reused', async (t) => {
  const tmp = tempDir('lf-dbuf-lastflip');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  await fill(b, 1, 300);
  await b.close();
  const files = segmentFiles(tmp.path);
  const last = join(tmp.path, files.at(-1)!);
  const bytes = readFileSync(last);
  const lastSeq = scanSegment(bytes).lastSeq!;
  bytes[HEADER_SIZE + 40] ^= 0xff;
  writeFileSync(last, bytes);
  const { result: again, events } = await collectEvents(() => DiskBuffer.open(tmp.path, SMALL));
  t.after(() => again.close());
  assert.deepEqual(
    events.map((e) => e.kind),
    ['disk_buffer_segment_quarantined'],
  );
  const r = again.append(Buffer.from('after'));
  assert.ok(r && r.seq > lastSeq, `new number ${r?.seq} after ${lastSeq}`);
  await r.durable;
});

test('disk-buf-size: append returns null (full) instead of exceeding it, and takes records again once acknowledged', async (t) => {
  const tmp = tempDir('lf-dbuf-full');
  t.after(() => tmp.remove());
  const opts = { maxBytes: 256 * 1024, segmentBytes: 64 * 1024, reliable: false };
  const b = await DiskBuffer.open(tmp.path, opts);
  t.after(() => b.close());
  let accepted = 0;
  for (let i = 0; i < 100_000; i++) {
    const r = b.append(payloadOf(accepted + 1));
    if (!r) break;
    accepted++;
  }
  assert.ok(accepted > 1000 && accepted < 100_000, `${accepted} accepted`);
  await b.flush();
  const onDisk = segmentFiles(tmp.path).reduce((n, f) => n + statSync(join(tmp.path, f)).size, 0);
  assert.ok(onDisk <= opts.maxBytes, `${onDisk} bytes on disk`);
  assert.equal(onDisk, b.size);
  assert.equal(b.append(payloadOf(accepted + 1)), null, 'still full');
  const read = await readAll(b);
  await b.ack(read[Math.floor(read.length / 2)].seq);
  const after = b.append(payloadOf(accepted + 1));
  assert.ok(after, 'room again after an acknowledgement');
  await after.durable;
});

test('a segment or cursor of a newer format version is refused with one sentence', async (t) => {
  const tmp = tempDir('lf-dbuf-newer');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  await fill(b, 1, 10);
  await b.close();
  const file = join(tmp.path, segmentFiles(tmp.path)[0]);
  const bytes = readFileSync(file);
  bytes.writeUInt16BE(2, 8);
  writeFileSync(file, bytes);
  await assert.rejects(DiskBuffer.open(tmp.path, SMALL), (err: Error) => {
    assert.ok(err instanceof DiskBufferError);
    assert.match(err.message, /has format version 2, but this logferry reads version 1 at most; run a newer logferry or move the directory aside\.$/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
  assert.ok(readdirSync(tmp.path).includes(segmentFiles(tmp.path)[0]), 'not quarantined: left as it was');
  bytes.writeUInt16BE(1, 8);
  writeFileSync(file, bytes);
  writeFileSync(join(tmp.path, CURSOR_FILE), JSON.stringify({ format: 3, ackedSeq: 0, segment: 0, offset: 0 }));
  await assert.rejects(DiskBuffer.open(tmp.path, SMALL), /cursor .* has format version 3/);
});

test('a cursor past whole segments (a crash between the cursor and the deletes): those segments go at open, reading starts after it', async (t) => {
  const tmp = tempDir('lf-dbuf-cursor');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  await fill(b, 1, 3000);
  await b.close();
  const files = segmentFiles(tmp.path);
  const third = scanSegment(readFileSync(join(tmp.path, files[2])));
  // acknowledged up to the third segment's fifth record, the first two segments not yet deleted
  let fifthEnd = 0;
  scanSegment(readFileSync(join(tmp.path, files[2])), (seq, payload, offset) => {
    if (seq === third.firstSeq! + 4) fifthEnd = offset + 16 + payload.length;
  });
  writeFileSync(join(tmp.path, CURSOR_FILE), JSON.stringify({ format: 1, ackedSeq: third.firstSeq! + 4, segment: segmentIdOf(files[2]), offset: fifthEnd }));
  const again = await DiskBuffer.open(tmp.path, SMALL);
  t.after(() => again.close());
  assert.deepEqual(segmentFiles(tmp.path), files.slice(2));
  assertInOrder(await readAll(again), third.firstSeq! + 5, 3000);
});

test('an idle buffer left open does not keep the process alive (the fsync worker is unreferenced)', async () => {
  const script = `
    import { DiskBuffer } from ${JSON.stringify(join(REPO_ROOT, 'src/buffer/disk-buffer.ts'))};
    const b = await DiskBuffer.open(process.argv[1], { maxBytes: 1e6, reliable: true });
    await b.append(Buffer.from('one')).durable;
    console.log('durable');
  `;
  const tmp = tempDir('lf-dbuf-idle');
  try {
    const child = new ManagedProcess(process.execPath, ['--input-type=module', '-e', script, tmp.path], { name: 'idle-buffer', captureStdout: true });
    const timer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), 15_000);
    const exit = await child.exited;
    clearTimeout(timer);
    assert.deepEqual(exit, { code: 0, signal: null }, 'exited by itself');
  } finally {
    tmp.remove();
  }
});

test('damage found in the segment being written: it is quarantined, later appends go to a new segment and read on', async (t) => {
  const tmp = tempDir('lf-dbuf-live');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  await fill(b, 1, 100);
  const [only] = segmentFiles(tmp.path);
  const file = join(tmp.path, only);
  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  writeFileSync(file, bytes);
  const { result: first, events } = await collectEvents(() => readAll(b));
  assert.equal(events.filter((e) => e.kind === 'disk_buffer_segment_quarantined').length, 1);
  assert.ok(first.length > 0 && first.length < 100, `${first.length} records before the damage`);
  assertInOrder(first, 1, first.length);
  await fill(b, 101, 150);
  assertInOrder(await readAll(b), 101, 150);
  await b.ack(150);
  assert.equal(b.unacknowledged, 0);
  await b.close();
  assert.ok(readdirSync(tmp.path).includes(only + '.corrupt'));
  assert.throws(() => DiskBuffer.prototype.append.call(b, Buffer.alloc(0)), /closed/);
});

test('one owner per directory: a second open is refused with one sentence, a dead owner\'s lock is taken over', async (t) => {
  const tmp = tempDir('lf-dbuf-lock');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  await assert.rejects(DiskBuffer.open(tmp.path, SMALL), /already open in this process; give each destination its own dir\(\)\.$/);
  await b.close();
  // a live process holding it (this test runner's parent stands in)
  writeFileSync(join(tmp.path, 'lock'), `${process.ppid}\n`);
  await assert.rejects(DiskBuffer.open(tmp.path, SMALL), new RegExp(`in use by process ${process.ppid}; stop it, or remove .*lock if that process is not logferry\\.$`));
  // a process that is gone (the kill -9 test's child leaves such a lock)
  const gone = new ManagedProcess(process.execPath, ['-e', ''], { name: 'gone' });
  await gone.exited;
  writeFileSync(join(tmp.path, 'lock'), `${gone.pid}\n`);
  const again = await DiskBuffer.open(tmp.path, SMALL);
  assert.equal(readFileSync(join(tmp.path, 'lock'), 'utf8'), `${process.pid}\n`);
  await again.close();
  assert.ok(!readdirSync(tmp.path).includes('lock'), 'released on close');
});

test('sender id: 32 hex digits made at the first open, kept across reopens; rewind reads unacknowledged records again', async (t) => {
  const tmp = tempDir('lf-dbuf-sid');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  assert.match(b.senderId, /^[0-9a-f]{32}$/);
  assert.equal(readFileSync(join(tmp.path, SENDER_ID_FILE), 'utf8').trim(), b.senderId);
  await fill(b, 1, 300);
  assertInOrder(await readAll(b), 1, 300);
  await b.ack(100);
  // a broken connection: what was read and not acknowledged comes again
  b.rewind();
  assertInOrder(await readAll(b), 101, 300);
  const id = b.senderId;
  await b.close();
  const again = await DiskBuffer.open(tmp.path, SMALL);
  t.after(() => again.close());
  assert.equal(again.senderId, id, 'the same id after a reopen');
  const other = tempDir('lf-dbuf-sid2');
  t.after(() => other.remove());
  const b2 = await DiskBuffer.open(other.path, SMALL);
  t.after(() => b2.close());
  assert.notEqual(b2.senderId, id, 'another directory, another id');
  // rewind on a buffer with nothing written still reads what comes next
  b2.rewind();
  await fill(b2, 1, 5);
  assertInOrder(await readAll(b2), 1, 5);
});

test('rewind right after an ack, its segment deletes still running: reading starts again at the cursor', async (t) => {
  const tmp = tempDir('lf-dbuf-rewind');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, SMALL);
  t.after(() => b.close());
  await fill(b, 1, 4000);
  assertInOrder(await readAll(b), 1, 4000);
  const segs = segmentFiles(tmp.path).length;
  assert.ok(segs >= 4);
  // not awaited: the ack writes the cursor, then unlinks whole segments one by one
  const acking = b.ack(3000);
  b.rewind();
  const again = await readAll(b);
  await acking;
  assertInOrder(again, 3001, 4000);
  assert.ok(segmentFiles(tmp.path).length < segs, 'the acknowledged segments went');
});

test('appendRecord: sequence numbers without a promise each; onDurable reports each batch up to its last record; null when full', async (t) => {
  const tmp = tempDir('lf-dbuf-batch');
  t.after(() => tmp.remove());
  const b = await DiskBuffer.open(tmp.path, { maxBytes: 128 * 1024, segmentBytes: 64 * 1024, reliable: true });
  t.after(() => b.close());
  const reported: number[] = [];
  const off = b.onDurable((seq) => reported.push(seq));
  const seqs: number[] = [];
  for (let i = 1; i <= 100; i++) seqs.push(b.appendRecord(payloadOf(i))!);
  assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 1));
  assert.deepEqual(reported, [], 'nothing is durable before the batch is written');
  await b.flush();
  assert.equal(reported.at(-1), 100, 'the batch is reported up to its last record');
  assertInOrder(await readAll(b), 1, 100);
  let full: number | null = 0;
  for (let i = 101; i < 10_000 && full !== null; i++) full = b.appendRecord(payloadOf(i));
  assert.equal(full, null, 'past maxBytes: null, nothing written');
  off();
  const before = reported.length;
  await b.ack(100);
  b.appendRecord(payloadOf(1));
  await b.flush();
  assert.equal(reported.length, before, 'an unsubscribed listener hears nothing');
});
