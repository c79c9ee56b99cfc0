/**
 * PROXY headers written by another implementation: syslog-ng's loggen (-H,
 * --proxied-tls-passthrough) sends a v1 header in each of the three places,
 * and logferry's proxied transports take the client address from it. loggen
 * presents no client certificate, so the TLS sources verify optionally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { loggenArgs, readLines, requirePeers, runToExit, skipUnlessPeers, waitForLines, which } from '../helpers/peers.ts';
import { startProxied } from '../daemon/proxy.lib.ts';

const COUNT = 50;
const ADDRS = ['--proxy-src-ip=203.0.113.7', '--proxy-dst-ip=198.51.100.10', '--proxy-src-port=4242', '--proxy-dst-port=514'];
const HEADER = ['--proxied', ...ADDRS];

const modes: Array<{ transport: string; tls: boolean; extra: string[] }> = [
  { transport: 'proxied-tcp', tls: false, extra: HEADER },
  { transport: 'proxied-tls', tls: true, extra: HEADER },
  { transport: 'proxied-tls-passthrough', tls: true, extra: ['--proxied-tls-passthrough', ...ADDRS] },
];

for (const m of modes) {
  test(`loggen → logferry transport(${m.transport}): every message carries the addresses of loggen's header (v1, bare LF)`, { timeout: 30_000, skip: skipUnlessLogferry() || skipUnlessPeers('loggen', 'openssl') }, async (t) => {
    requirePeers('loggen');
    const p = await startProxied(t, m.transport);
    const args = loggenArgs({ port: p.port, tls: m.tls, syslogProto: false, number: COUNT, rate: 100_000 });
    // loggen's own options go before the host and port
    args.splice(args.length - 2, 0, ...m.extra);
    const r = await runToExit(which('loggen')!, args, { name: 'loggen', timeoutMs: 20_000 });
    assert.equal(r.exit.code, 0, `loggen failed:\n${r.stdout}${r.stderr}`);
    // loggen counts its header as one of --number when it writes it through its message path (-H)
    const sent = Number([...(r.stdout + r.stderr).matchAll(/count=(\d+)/g)].pop()?.[1] ?? NaN);
    assert.ok(sent >= COUNT - 1, `loggen sent ${sent}`);
    await waitForLines(p.out, sent, 15_000);
    const lines = await readLines(p.out);
    assert.equal(lines.length, sent);
    for (const l of lines) assert.match(l, /^203\.0\.113\.7 4242 198\.51\.100\.10 514 /, l);
    assert.doesNotMatch(p.d.stderr(), /no valid PROXY protocol header/);
  });
}
