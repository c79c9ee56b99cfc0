/**
 * The overload rig shared by the overload tests: a logferry daemon whose syslog() TCP source
 * feeds a network() destination that sends to a SlowReceiver in the test, and a way to make the
 * receiver a known factor slower than the daemon can take messages in.
 */
import type { TestContext } from 'node:test';
import { startLogferry, type DaemonHandle } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { RssWatch, rssMiB, SlowReceiver } from '../helpers/slow-receiver.ts';
import { runSendCli, SENDER_TEMPLATE, type SendRun } from '../send/lib.ts';
import { sngString } from '../helpers/peers.ts';

export interface Rig {
  d: DaemonHandle;
  rx: SlowReceiver;
  port: number;
  /** the daemon's RSS before any traffic, MiB */
  idleRss: number;
}

export async function startRig(t: TestContext, o: { flowControl: boolean; options?: string; source?: string; destination?: string; env?: NodeJS.ProcessEnv }): Promise<Rig> {
  const rx = await SlowReceiver.start(Infinity);
  t.after(() => rx.close());
  const port = await freePort();
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); keep-hostname(yes); ${o.options ?? ''} };
source s { syslog(ip(127.0.0.1) port(${port}) transport(tcp) ${o.source ?? ''}); };
destination d_slow { network("127.0.0.1" port(${rx.port}) transport(tcp) template(${sngString(SENDER_TEMPLATE)}) ${o.destination ?? ''}); };
log { source(s); destination(d_slow); ${o.flowControl ? 'flags(flow-control);' : ''} };
`,
    readyPorts: [port],
    env: o.env,
  });
  t.after(() => d.stop());
  // the destination connects on start; wait for it, then take the idle figure
  await rx.until(() => rx.connectionCount > 0, 10_000, () => 'the daemon did not connect to the receiver');
  const idleRss = rssMiB(d.pid) ?? 0;
  return { d, rx, port, idleRss };
}

/**
 * Messages per second the daemon moves from the source to an unthrottled receiver, measured
 * with `logferry send` for `seconds`; and the bytes per message the receiver sees.
 */
export async function measureCapacity(rig: Rig, seconds: number): Promise<{ msgPerSec: number; bytesPerMsg: number; run: SendRun }> {
  const { rx, port } = rig;
  const before = { lines: rx.lines, bytes: rx.bytes };
  const started = Date.now();
  const run = await runSendCli(['127.0.0.1', String(port), '--transport', 'tcp', '--duration', String(seconds), '--connections', '2', '--json']);
  if (run.code !== 0 || !run.report) throw new Error(`capacity run failed: ${run.stderr}`);
  await rx.until(() => rx.countOf(run.report!.run) >= run.report!.sent, 20_000, () => `capacity run: ${rx.countOf(run.report!.run)} of ${run.report!.sent} arrived`);
  const elapsed = (Date.now() - started) / 1000;
  const lines = rx.lines - before.lines;
  return { msgPerSec: lines / elapsed, bytesPerMsg: (rx.bytes - before.bytes) / lines, run };
}

/**
 * The overload window: the receiver slowed to a tenth of `cap`, `logferry send` pushing as fast
 * as it can on 4 connections for `seconds`, the daemon's RSS sampled throughout. The window is a
 * measurement period (the sender's own end comes later, once the slow side has caught up), so
 * it is timed; `duringRun` is what the receiver had taken when it closed.
 */
export async function overloadWindow(t: TestContext, rig: Rig, cap: { msgPerSec: number; bytesPerMsg: number }, seconds: number): Promise<{ sending: Promise<SendRun>; rss: RssWatch; duringRun: number }> {
  rig.rx.throttle((cap.msgPerSec / 10) * cap.bytesPerMsg);
  const rss = new RssWatch(rig.d.pid);
  t.after(() => rss.stop());
  const sending = runSendCli(['127.0.0.1', String(rig.port), '--transport', 'tcp', '--duration', String(seconds), '--connections', '4', '--json'], undefined, (seconds + 30) * 1000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  rss.stop();
  const duringRun = rig.rx.lines;
  rig.rx.unthrottle();
  return { sending, rss, duringRun };
}

/** resolves once `check()` holds, checked every 100 ms (bounded by `timeoutMs`) */
export async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const rounds = Math.ceil(timeoutMs / 100);
  for (let i = 0; i < rounds; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!check()) throw new Error(what());
}

/** the daemon's drop report lines for `destination`: [dropped since the last line, total] each */
export function dropReports(stderr: string, destination: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('Destination queue full, messages dropped') || !line.includes(`destination='${destination}'`)) continue;
    const n = /dropped='(\d+)'/.exec(line);
    const total = /dropped_total='(\d+)'/.exec(line);
    if (n && total) out.push([Number(n[1]), Number(total[1])]);
  }
  return out;
}
