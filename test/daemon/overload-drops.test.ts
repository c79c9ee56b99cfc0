/**
 * Overload without flow control: the same flood into a source whose destination's receiver reads
 * ten times slower than the daemon moves messages. The readers are not held by a writer that
 * waits on its peer, so the memory queue fills to log-fifo-size() and what does not fit is
 * dropped: RSS stays under idle + 100 MiB, drops are reported in one line per interval naming the
 * destination, and the reported total is exactly what was sent minus what arrived.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { dropReports, measureCapacity, overloadWindow, startRig, until } from './overload.lib.ts';

const SECONDS = 15;
const BOUND_MIB = 100;

test('no flow control: a source 10x faster than its destination drops at log-fifo-size, reports it per interval, and stays bounded', { timeout: 60_000, skip: skipUnlessLogferry() }, async (t) => {
  // log-fifo-size(2000): with the default 10 000 the peak at full speed was idle + 58..135 MiB
  // (V8 lets the old space fill with the queue's promoted garbage before a major GC)
  const rig = await startRig(t, { flowControl: false, options: 'log-fifo-size(2000);' });
  const { rx, d } = rig;
  const cap = await measureCapacity(rig, 2);
  assert.deepEqual(dropReports(d.stderr(), 'd_slow'), [], 'nothing dropped while the receiver kept up');
  const { sending, rss } = await overloadWindow(t, rig, cap, SECONDS);
  const run = await sending;
  // the daemon read everything the sender wrote (it closed the stream after the last byte)
  assert.equal(run.code, 0, run.stderr);
  const r = run.report!;
  const lastTotal = () => dropReports(d.stderr(), 'd_slow').at(-1)?.[1] ?? 0;
  await until(() => rx.countOf(r.run) + lastTotal() === r.sent, 15_000, () => `sent ${r.sent}, arrived ${rx.countOf(r.run)}, reported dropped ${lastTotal()}: ${JSON.stringify(dropReports(d.stderr(), 'd_slow'))}`);
  const reports = dropReports(d.stderr(), 'd_slow');
  t.diagnostic(`capacity ${Math.round(cap.msgPerSec)} msg/s; sent ${r.sent}, arrived ${rx.countOf(r.run)}, dropped ${lastTotal()} in ${reports.length} report lines; RSS idle ${rig.idleRss.toFixed(1)} MiB, peak ${rss.peak.toFixed(1)} MiB`);
  assert.ok(rss.peak - rig.idleRss < BOUND_MIB, `RSS peak ${rss.peak.toFixed(1)} MiB exceeds idle ${rig.idleRss.toFixed(1)} + ${BOUND_MIB} MiB`);
  assert.ok(lastTotal() > 0, 'messages were dropped');
  // one line per interval, each with the count since the previous line, adding up to the total
  assert.ok(reports.length >= 1 && reports.length <= Math.ceil((SECONDS + 15) / 10) + 1, `${reports.length} report lines`);
  let sum = 0;
  for (const [n, total] of reports) assert.equal(total, (sum += n));
  // what did arrive is gap-free up to the first drop of each sender, and never out of order
  for (const [id, s] of rx.senders) if (id.startsWith(`${r.run}-`)) assert.ok(s.last <= r.sent && s.count <= s.last, `${id}: ${s.count} of 1..${s.last}`);
});
