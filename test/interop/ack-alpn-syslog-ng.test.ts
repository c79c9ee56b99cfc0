/**
 * A logferry sender with disk-buffer() offers ALPN logferry-ack/1 on TLS; the
 * real syslog-ng 3.38 as receiver does not select it, so the sender speaks
 * plain RFC 5425 (its resend-window link) and syslog-ng gets plain syslog:
 * every message, once, no protocol bytes. (A logferry receiver selecting it:
 * test/daemon/ack-e2e.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { SNG_TEST_OPTIONS, makePki, skipUnlessPeers, sngString, sngTls, startSyslogNg, tempDir, waitForLines } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';

test('syslog-ng receiver: the ALPN offer is ignored, plain RFC 5425 arrives whole', { skip: skipUnlessPeers('syslog-ng', 'openssl'), timeout: 60_000 }, async (t) => {
  const dir = tempDir('lf-ack-sng');
  t.after(() => dir.remove());
  const pki = await makePki(join(dir.path, 'pki'));
  const port = await freePort();
  const input = join(dir.path, 'in.log');
  const out = join(dir.path, 'out.log');
  const N = 2000;
  fs.writeFileSync(input, Array.from({ length: N }, (_, i) => `m${i}\n`).join(''));
  const sngDir = join(dir.path, 'sng');
  const txDir = join(dir.path, 'tx');
  fs.mkdirSync(sngDir);
  fs.mkdirSync(txDir);
  const sng = await startSyslogNg({
    config: `@version: 3.38
options { ${SNG_TEST_OPTIONS} };
source s { syslog(ip(127.0.0.1) port(${port}) transport(tls) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, peerVerify: 'optional-untrusted' })}); };
destination d { file(${sngString(out)} template("$MSG\\n")); };
log { source(s); destination(d); };
`,
    readyPorts: [port],
    workdir: sngDir,
  });
  t.after(() => sng.stop(1000));
  const tx = await startLogferry({
    name: 'sender',
    workdir: txDir,
    config: `@version: 4.27
options { use-dns(no); time-reopen(1); };
source s { file("${input}" flags(no-parse) follow-freq(0.2)); };
destination d { syslog("127.0.0.1" port(${port}) transport(tls) tls(ca-file("${pki.caFile}") peer-verify(optional-untrusted))
  disk-buffer(reliable(yes) disk-buf-size(1MiB) dir("${txDir}"))); };
log { source(s); destination(d); flags(flow-control); };
`,
  });
  t.after(() => tx.stop(1000));
  const lines = await waitForLines(out, N, 30_000);
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  assert.equal(counts.size, N, `every message arrived (first lines: ${lines.slice(0, 3).join(' | ')})`);
  assert.ok([...counts.keys()].every((k) => /^m\d+$/.test(k)), 'only plain messages: no logferry-ack/1 bytes reached syslog-ng');
  assert.ok([...counts.values()].every((c) => c === 1), 'each once');
  // (the readiness probe's bare connect is an SSL error line in syslog-ng's log; framing errors would be these)
  assert.doesNotMatch(sng.stderr(), /Invalid frame header|frame larger|Error processing log message/, 'syslog-ng framed everything');
});
