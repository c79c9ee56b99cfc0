/**
 * disk-buffer() against the real syslog-ng 3.38 as receiver, which does not
 * acknowledge: the plain link's resend window. The receiver is SIGKILLed and
 * restarted twice mid-stream; counting the file's lines by number at the
 * receiver checks the bounds README.md states: nothing lost (syslog-ng
 * writes each message long before the resend window has passed), and per
 * broken connection at most mem-buf-size() bytes of records, plus one read
 * batch, sent twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { FileTail, SNG_TEST_OPTIONS, skipUnlessPeers, sngString, startSyslogNg, tempDir, waitForLines, watchUntil } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { senderConfig, tally, waitForBuffer, writeNumberedLines } from '../daemon/disk-buffer.lib.ts';
import { READ_BATCH as SENDER_READ_BATCH } from '../../src/destinations/network.ts';

const COUNT = 20_000;
const MEM_BUF = 256 * 1024;
/** the sender's read batch: max(flush-lines(), READ_BATCH) records */
const READ_BATCH = Math.max(100, SENDER_READ_BATCH);

function sngReceiver(port: number, out: string): string {
  return `@version: 3.38
options { ${SNG_TEST_OPTIONS} };
source s { network(ip(127.0.0.1) port(${port}) flags(no-parse)); };
destination d { file(${sngString(out)} template("$MSG\\n")); };
log { source(s); destination(d); };
`;
}

test('syslog-ng receiver SIGKILLed and restarted twice mid-stream: 0 lost, duplicates within mem-buf-size() per break', { skip: skipUnlessPeers('syslog-ng'), timeout: 60_000 }, async (t) => {
  const dir = tempDir('lf-dbsng');
  t.after(() => dir.remove());
  const port = await freePort();
  const input = join(dir.path, 'in.log');
  const bufBase = join(dir.path, 'bufs');
  const out = join(dir.path, 'out.log');
  const sngDir = join(dir.path, 'sng');
  mkdirSync(sngDir);
  writeNumberedLines(input, COUNT);

  let sng = await startSyslogNg({ config: sngReceiver(port, out), readyPorts: [port], workdir: sngDir });
  t.after(() => sng.stop(1000));
  // mem-buf-size() bounds what is in flight, so the stream takes a few seconds and the kills land mid-stream
  const sender = await startLogferry({ name: 'sender', config: senderConfig({ input, port, bufBase, buffer: `resend-window-time(1) mem-buf-size(${MEM_BUF})` }) });
  t.after(() => sender.stop(1000));

  const kills: number[] = [];
  for (const at of [COUNT / 5, COUNT / 2]) {
    await waitForLines(out, at, 20_000);
    process.kill(sng.pid, 'SIGKILL');
    await sng.process.exited;
    kills.push(readFileSync(out, 'latin1').split('\n').length - 1);
    sng = await startSyslogNg({ config: sngReceiver(port, out), readyPorts: [port], workdir: sngDir });
  }
  assert.ok(kills.every((n) => n < COUNT), `killed mid-stream, at ${kills.join(' and ')} lines`);

  const tail = new FileTail(out);
  await watchUntil(
    out,
    async () => {
      await tail.poll();
      const lines = tail.contents().toString('latin1').split('\n');
      lines.pop();
      return tally(lines, COUNT).lost.length === 0 ? true : undefined;
    },
    30_000,
    async () => `lines still missing: ${tally(readFileSync(out, 'latin1').trimEnd().split('\n'), COUNT).lost.slice(0, 20).join(' ')}…`,
  );
  await waitForBuffer(bufBase, (s) => s.unacknowledged === 0, 15_000, 'empty');
  await sender.stop(5000);
  await sng.stop(5000);

  const lines = readFileSync(out, 'latin1').trimEnd().split('\n');
  const r = tally(lines, COUNT);
  // bytes of the duplicated records (each line as received is its payload without the newline)
  const seen = new Set<string>();
  let dupBytes = 0;
  let maxRecord = 0;
  for (const l of lines) {
    maxRecord = Math.max(maxRecord, l.length + 1);
    if (seen.has(l)) dupBytes += l.length + 1;
    seen.add(l);
  }
  const bound = kills.length * (MEM_BUF + READ_BATCH * maxRecord);
  t.diagnostic(`kills at ${kills.join(', ')} lines; ${r.received} received, ${r.lost.length} lost, ${r.duplicates} duplicates (${dupBytes} bytes; bound ${bound})`);
  assert.deepEqual(r.lost, [], 'README: nothing lost while the receiver writes within the resend window');
  assert.ok(dupBytes <= bound, `README: duplicates at most mem-buf-size() plus one read batch per break: ${dupBytes} > ${bound}`);
});
