/**
 * A reload keeps a destination's disk buffer: the destination is rebuilt
 * with changed disk-buffer() settings while the receiver is down and the
 * buffer holds records; the rebuilt one takes the same directory over (no
 * lock error), and once the receiver is up every record goes out, once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { tempDir, waitForLines } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { bufferDirIn, receiverConfig, senderConfig, tally, waitForBuffer, writeNumberedLines } from './disk-buffer.lib.ts';

const COUNT = 2000;

test('reload with changed disk-buffer() settings: the rebuilt destination takes the buffer over and sends it all', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('lf-dbreload');
  t.after(() => dir.remove());
  const port = await freePort();
  const input = join(dir.path, 'in.log');
  const bufBase = join(dir.path, 'bufs');
  const out = join(dir.path, 'out.log');
  writeNumberedLines(input, COUNT);
  const sender = await startLogferry({ name: 'sender', config: senderConfig({ input, port, bufBase, buffer: 'resend-window-time(0.3)' }) });
  t.after(() => sender.stop(1000));
  await waitForBuffer(bufBase, (s) => s.unacknowledged === COUNT, 15_000, `${COUNT} records`);
  const before = bufferDirIn(bufBase);

  writeFileSync(sender.configPath, senderConfig({ input, port, bufBase, buffer: 'resend-window-time(0.2) mem-buf-size(1MiB)' }));
  process.kill(sender.pid, 'SIGHUP');
  const finished = await sender.process.waitForStderr(/Configuration reload finished;[^\n]*/, 10_000);
  assert.match(finished, /restarted=1/, 'the destination was rebuilt');
  assert.equal(bufferDirIn(bufBase), before, 'the same buffer directory');

  const recv = await startLogferry({ name: 'receiver', config: receiverConfig(port, out), readyPorts: [port] });
  t.after(() => recv.stop(1000));
  await waitForLines(out, COUNT, 15_000);
  await waitForBuffer(bufBase, (s) => s.unacknowledged === 0, 10_000, 'empty');
  await sender.stop(5000);
  assert.doesNotMatch(sender.stderr(), /cannot open|already open|in use by process/);
  const r = tally(readFileSync(out, 'latin1').trimEnd().split('\n'), COUNT);
  assert.deepEqual(r.lost, []);
  assert.equal(r.duplicates, 0);
});
