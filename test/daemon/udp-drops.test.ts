/**
 * UDP receive-buffer overruns: a flood into a UDP source with a tiny so-rcvbuf() makes the kernel
 * drop datagrams. The daemon reads the kernel's count for its socket (Linux: the drops column of
 * /proc/net/udp, per socket inode) and reports it in one line per interval naming the source,
 * with a total that equals the kernel's own count; what was sent is what arrived plus what the
 * kernel and the queue dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { countLines, sngString, tempDir } from '../helpers/peers.ts';
import { skipUnlessLogferry, startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';
import { dropReports, until } from './overload.lib.ts';

/** the drops column of the IPv4 UDP socket bound to 127.0.0.1:port, as the kernel shows it */
function kernelDrops(port: number): number | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'latin1').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local) return Number(f[12]);
  }
  return undefined;
}

/** the [dropped, total] of each UDP drop report line for source `group` */
function udpReports(stderr: string, group: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('The kernel dropped datagrams') || !line.includes(`group_name='${group}'`)) continue;
    out.push([Number(/dropped='(\d+)'/.exec(line)?.[1]), Number(/dropped_total='(\d+)'/.exec(line)?.[1])]);
  }
  return out;
}

test('kernel drops of a UDP source are counted and reported once per interval, matching the kernel', { timeout: 45_000, skip: skipUnlessLogferry() || (process.platform !== 'linux' && 'needs /proc/net/udp') }, async (t) => {
  const dir = tempDir('lf-udp-drops');
  t.after(() => dir.remove());
  const port = await freePort();
  const out = path.join(dir.path, 'out.log');
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); keep-hostname(yes); };
source s_udp { syslog(ip(127.0.0.1) port(${port}) transport(udp) so-rcvbuf(4096)); };
destination d_file { file("${out}" template(${sngString(SENDER_TEMPLATE)})); };
log { source(s_udp); destination(d_file); };
`,
    readyStderr: /starting up/,
  });
  t.after(() => d.stop());
  const run = await runSendCli(['127.0.0.1', String(port), '--transport', 'udp', '--count', '200000', '--connections', '4', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const sent = run.report!.sent;
  const kernel = () => kernelDrops(port) ?? -1;
  // the file stops growing once the daemon has read what the kernel kept
  let lines = -1;
  await until(() => {
    const prev = lines;
    lines = countLinesSync(out);
    return lines === prev && lines > 0;
  }, 20_000, () => `the output did not settle (${lines} lines)`);
  assert.ok(kernel() > 0, `the kernel dropped datagrams (drops column ${kernel()})`);
  const reported = () => udpReports(d.stderr(), 's_udp').at(-1)?.[1] ?? 0;
  await until(() => reported() === kernel(), 15_000, () => `reported ${reported()}, kernel ${kernel()}: ${JSON.stringify(udpReports(d.stderr(), 's_udp'))}`);
  const queueDrops = dropReports(d.stderr(), 'd_file').at(-1)?.[1] ?? 0;
  const arrived = await countLines(out);
  t.diagnostic(`sent ${sent}, arrived ${arrived}, kernel dropped ${kernel()}, queue dropped ${queueDrops}; ${udpReports(d.stderr(), 's_udp').length} report lines`);
  assert.equal(arrived + kernel() + queueDrops, sent);
  let sum = 0;
  for (const [n, total] of udpReports(d.stderr(), 's_udp')) assert.equal(total, (sum += n));
});

function countLinesSync(file: string): number {
  try {
    const b = readFileSync(file);
    let n = 0;
    for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
    return n;
  } catch {
    return 0;
  }
}
