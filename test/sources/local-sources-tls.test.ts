/**
 * Issue 19's acceptance for local sources: a client config with system()
 * (its /dev/log, journal and /dev/kmsg pointed at test paths, never the
 * host's) starts; one message sent with util-linux `logger -d -u PATH`
 * (datagram only, no fallback to a stream) to a unix-dgram() socket and one
 * to a unix-stream() socket arrive at a second logferry through a TLS
 * destination, with the local host as ${HOST}.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { skipUnlessLogferry, startLogferry } from '../helpers/daemon.ts';
import { INSTALL_HINT, makePki, runToExit, sngTls, skipUnlessPeers, tempDir, waitForLines, which } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';

const skip = skipUnlessLogferry() || skipUnlessPeers('openssl');

test('system() starts; logger -d to unix-dgram() and a line to unix-stream() arrive through TLS at a second logferry', { timeout: 30_000, skip }, async (t) => {
  const logger = which('logger');
  assert.ok(logger, `util-linux logger is missing. ${INSTALL_HINT}`);
  const dir = tempDir('lf-local-tls');
  t.after(() => dir.remove());
  const pki = await makePki(join(dir.path, 'pki'), 'ec');
  const port = await freePort();
  const out = join(dir.path, 'received.log');
  const receiver = await startLogferry({
    name: 'receiver',
    config: `@version: 4.27
options { use-dns(no); keep-hostname(yes); };
source s { network(ip(127.0.0.1) port(${port}) transport(tls) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caFile: pki.caFile, peerVerify: 'optional-untrusted' })}); };
destination d { file("${out}" template("\${HOST} \${PROGRAM} \${MSG}\\n")); };
log { source(s); destination(d); };
`,
    readyPorts: [port],
  });
  t.after(() => receiver.stop());

  const devlog = join(dir.path, 'fake-dev-log');
  const kmsg = join(dir.path, 'fake-kmsg');
  writeFileSync(kmsg, '6,7,100,-;fake kernel line\n');
  const dgram = join(dir.path, 'dg.sock');
  const stream = join(dir.path, 'st.sock');
  const client = await startLogferry({
    name: 'client',
    verbose: true,
    env: { LOGFERRY_SYSTEM_DEVLOG: devlog, LOGFERRY_SYSTEM_KMSG: kmsg, LOGFERRY_SYSTEM_JOURNALCTL: '' },
    config: `@version: 4.27
options { use-dns(no); };
source s_local { system(); internal(); };
source s_sockets { unix-dgram("${dgram}"); unix-stream("${stream}"); };
destination d_tls { network("127.0.0.1" port(${port}) transport(tls) ${sngTls({ caFile: pki.caFile, certFile: pki.client1Cert, keyFile: pki.client1Key, peerVerify: 'required-trusted' })}); };
log { source(s_sockets); destination(d_tls); };
log { source(s_local); filter { program("kernel") or program("viadevlog"); }; destination(d_tls); };
`,
  });
  t.after(() => client.stop());
  // the one verbose line says what system() became
  assert.match(client.stderr(), new RegExp(`system\\(\\) source expanded;.*to='unix-dgram\\("${devlog}" so-rcvbuf\\(8192\\)\\); file\\("${kmsg}" program-override\\("kernel"\\)`));

  const send = async (args: string[]) => {
    const r = await runToExit(logger!, args, { name: 'logger', timeoutMs: 10_000 });
    assert.equal(r.exit.code, 0, r.stderr);
  };
  // -d: datagram only (util-linux falls back to a stream socket only without -d/-T)
  await send(['-d', '-u', dgram, '-t', 'viadgram', '--socket-errors=on', 'hello over a datagram']);
  await send(['-T', '-u', stream, '-t', 'viastream', '--socket-errors=on', 'hello over a stream']);
  await send(['-d', '-u', devlog, '-t', 'viadevlog', '--socket-errors=on', 'hello through system()']);

  const lines = await waitForLines(out, 4, 15_000);
  const host = hostname().split('.')[0];
  assert.deepEqual([...lines].sort(), [
    `${host} kernel fake kernel line`,
    `${host} viadevlog hello through system()`,
    `${host} viadgram hello over a datagram`,
    `${host} viastream hello over a stream`,
  ]);
});
