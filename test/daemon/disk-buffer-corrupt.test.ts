/**
 * A disk buffer damaged while its sender is stopped: bytes flipped in the
 * middle of a segment that is not the last. The next start sends the
 * records before the damage, quarantines that segment with one error line
 * (renamed *.corrupt), and sends every record of the later segment; the
 * buffer then drains to empty, with no loop over the bad segment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectBuffer } from '../../src/buffer/inspect.ts';
import { startLogferry } from '../helpers/daemon.ts';
import { tempDir, waitForLines } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { bufferDirIn, receiverConfig, senderConfig, tally, waitForBuffer, writeNumberedLines } from './disk-buffer.lib.ts';

const COUNT = 8000;

test('a corrupted segment (bytes flipped mid-segment, sender stopped): one quarantine line, the rest is sent', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('lf-dbcorrupt');
  t.after(() => dir.remove());
  const port = await freePort();
  const input = join(dir.path, 'in.log');
  const bufBase = join(dir.path, 'bufs');
  const out = join(dir.path, 'out.log');
  const senderDir = join(dir.path, 'sender');
  mkdirSync(senderDir);
  writeNumberedLines(input, COUNT);
  // disk-buf-size(1MiB): segments of 256 KiB, so these lines fill two
  const cfg = senderConfig({ input, port, bufBase, buffer: 'disk-buf-size(1MiB) resend-window-time(0.2)' });

  const first = await startLogferry({ name: 'sender', config: cfg, workdir: senderDir });
  t.after(() => first.stop(1000));
  await waitForBuffer(bufBase, (s) => s.unacknowledged === COUNT, 15_000, `${COUNT} records`);
  await first.stop(5000);
  const bdir = bufferDirIn(bufBase)!;
  const before = inspectBuffer(bdir);
  assert.ok(before.segments.length >= 2, `${before.segments.length} segments`);
  const [bad, ...later] = before.segments;
  // flip bytes in the middle of the first (sealed) segment
  const bytes = readFileSync(bad.file);
  const mid = Math.floor(bytes.length / 2);
  for (let i = mid; i < mid + 16; i++) bytes[i] ^= 0xff;
  writeFileSync(bad.file, bytes);

  const recv = await startLogferry({ name: 'receiver', config: receiverConfig(port, out), readyPorts: [port] });
  t.after(() => recv.stop(1000));
  const second = await startLogferry({ name: 'sender', config: cfg, workdir: senderDir });
  t.after(() => second.stop(1000));
  const laterCount = later.reduce((n, s) => n + s.records, 0);
  await waitForLines(out, laterCount, 15_000);
  await waitForBuffer(bufBase, (s) => s.unacknowledged === 0 && s.segments <= 1, 15_000, 'empty');
  await second.stop(5000);

  const quarantines = second.stderr().split('\n').filter((l) => /Disk-buffer segment is corrupt; moved aside/.test(l));
  assert.equal(quarantines.length, 1, second.stderr());
  assert.ok(existsSync(`${bad.file}.corrupt`), 'the bad segment is kept aside for a human');
  assert.ok(readdirSync(bdir).every((n) => !n.endsWith('.lfseg') || statSync(join(bdir, n)).size > 0));
  const r = tally(readFileSync(out, 'latin1').trimEnd().split('\n'), COUNT);
  const lostSet = new Set(r.lost);
  // every record of the later segments arrived
  for (const s of later) for (let seq = s.firstSeq!; seq <= s.lastSeq!; seq++) assert.ok(!lostSet.has(seq), `line ${seq} of ${s.file}`);
  // of the damaged one, what lies before the damage arrived, and only the rest is lost
  assert.ok(r.lost.length > 0 && r.lost.length < bad.records, `${r.lost.length} lost of the damaged segment's ${bad.records}`);
  assert.ok(r.lost.every((n) => n >= bad.firstSeq! && n <= bad.lastSeq!), 'only lines of the damaged segment are lost');
  assert.ok(!lostSet.has(bad.firstSeq!), 'the records before the damage were sent');
  assert.equal(r.duplicates, 0);
});
