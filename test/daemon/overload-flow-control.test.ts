/**
 * Overload with flow control: `logferry send` pushes as fast as it can into a source whose
 * destination's receiver reads ten times slower than the daemon can move messages. The readers
 * are held (the window is used up), so the daemon's RSS stays under idle + 100 MiB for 60 s, and
 * once the receiver catches up every message arrives, gap-free per sender.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { RssWatch } from '../helpers/slow-receiver.ts';
import { runSendCli } from '../send/lib.ts';
import { measureCapacity, startRig } from './overload.lib.ts';

const SECONDS = Number(process.env.LOGFERRY_OVERLOAD_SECONDS ?? 60);
const BOUND_MIB = 100;

test(`flow control: a source 10x faster than its destination stays under idle + ${BOUND_MIB} MiB for ${SECONDS} s and loses nothing`, { timeout: (SECONDS + 60) * 1000, skip: skipUnlessLogferry() }, async (t) => {
  const rig = await startRig(t, { flowControl: true, env: process.env.OVL_OPTS ? { NODE_OPTIONS: process.env.OVL_OPTS } : undefined });
  const { rx, d } = rig;
  const cap = await measureCapacity(rig, 2);
  rx.throttle((cap.msgPerSec / 10) * cap.bytesPerMsg);
  const rss = new RssWatch(d.pid);
  t.after(() => rss.stop());
  const run = await runSendCli(['127.0.0.1', String(rig.port), '--transport', 'tcp', '--duration', String(SECONDS), '--connections', '4', '--json'], undefined, (SECONDS + 30) * 1000);
  const overloadEnd = Date.now();
  rss.stop();
  const delivered = rx.countOf(run.report!.run);
  t.diagnostic(`capacity ${Math.round(cap.msgPerSec)} msg/s; receiver ${Math.round(cap.msgPerSec / 10)} msg/s; sent ${run.report!.sent} in ${run.report!.durationSeconds} s; ${delivered} delivered by the end of the run; RSS idle ${rig.idleRss.toFixed(1)} MiB, peak ${rss.peak.toFixed(1)} MiB over ${rss.samples} samples`);
  if (process.env.OVL_DEBUG) t.diagnostic(d.stderr().split('\n').filter((l) => l.startsWith('MEM')).join('\n'));
  assert.ok(rss.peak - rig.idleRss < BOUND_MIB, `RSS peak ${rss.peak.toFixed(1)} MiB exceeds idle ${rig.idleRss.toFixed(1)} + ${BOUND_MIB} MiB`);
  rx.unthrottle();
  await rx.until(() => rx.countOf(run.report!.run) >= run.report!.sent, 15_000, () => `${rx.countOf(run.report!.run)} of ${run.report!.sent} arrived after the receiver caught up`);
  t.diagnostic(`caught up ${Date.now() - overloadEnd} ms after the run`);
  for (const [id, s] of rx.senders) if (id.startsWith(run.report!.run)) assert.deepEqual([s.breaks, s.count], [0, s.last], `${id}: 1..${s.last} in order`);
  assert.equal(run.code, 0, run.stderr);
});
