/**
 * Overload with flow control: `logferry send` pushes as fast as it can into a source whose
 * destination's receiver reads ten times slower than the daemon can move messages (measured
 * first, on this machine, now). The readers are held (each connection's window is used up), so
 * the daemon's RSS stays under idle + 100 MiB for 60 s; then the receiver reads at full speed,
 * and every message the sender wrote arrives, in order and gap-free per sender, and the sender
 * sees its stream closed cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { measureCapacity, overloadWindow, startRig } from './overload.lib.ts';

const SECONDS = Number(process.env.LOGFERRY_OVERLOAD_SECONDS ?? 60);
const BOUND_MIB = 100;

test(`flow control: a source 10x faster than its destination stays under idle + ${BOUND_MIB} MiB for ${SECONDS} s and loses nothing`, { timeout: (SECONDS + 60) * 1000, skip: skipUnlessLogferry() }, async (t) => {
  const rig = await startRig(t, { flowControl: true });
  const { rx } = rig;
  const cap = await measureCapacity(rig, 2);
  // the overload lasts as long as the sender sends; then the slow side catches up
  const { sending, rss, duringRun } = await overloadWindow(t, rig, cap, SECONDS);
  const run = await sending;
  assert.equal(run.code, 0, run.stderr);
  const r = run.report!;
  t.diagnostic(`capacity ${Math.round(cap.msgPerSec)} msg/s, receiver ${Math.round(cap.msgPerSec / 10)} msg/s; sent ${r.sent} (${r.rate} msg/s); ${duringRun - cap.run.report!.sent} arrived during the overload; RSS idle ${rig.idleRss.toFixed(1)} MiB, peak ${rss.peak.toFixed(1)} MiB (${rss.samples} samples)`);
  assert.ok(rss.samples >= SECONDS * 2, `RSS sampled throughout (${rss.samples} samples)`);
  assert.ok(rss.peak - rig.idleRss < BOUND_MIB, `RSS peak ${rss.peak.toFixed(1)} MiB exceeds idle ${rig.idleRss.toFixed(1)} + ${BOUND_MIB} MiB`);
  // the sender was held back: it offered more than the receiver took while slow
  assert.ok(r.sent > duringRun - cap.run.report!.sent, 'the sender outran the slow receiver');
  await rx.until(() => rx.countOf(r.run) >= r.sent, 15_000, () => `${rx.countOf(r.run)} of ${r.sent} arrived after the receiver caught up`);
  assert.equal(rx.countOf(r.run), r.sent);
  for (const [id, s] of rx.senders) if (id.startsWith(`${r.run}-`)) assert.deepEqual([s.breaks, s.count], [0, s.last], `${id}: 1..${s.last} in order`);
});
