/**
 * logferry's TLS listener sends no TLS 1.3 session tickets (as syslog-ng):
 * senders never read, and unread tickets turn their close() into a reset
 * that loses what they had not transmitted yet (see openssl/logferry.cnf).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { makePki, skipUnlessPeers, tempDir, waitForLines } from '../helpers/peers.ts';
import { startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { connectCountingTickets } from '../helpers/tls-tickets.ts';

test('a TLS source sends no session tickets; a default Node TLS server would', { timeout: 60_000, skip: skipUnlessPeers('openssl') }, async (t) => {
  const dir = tempDir('lf-tickets');
  t.after(() => dir.remove());
  const pki = await makePki(path.join(dir.path, 'pki'));

  // control: the same client sees tickets from a plain Node server, so the check below can fail
  const plain = tls.createServer({ key: fs.readFileSync(pki.serverKey), cert: fs.readFileSync(pki.serverCert) }, (c) => c.on('error', () => {}));
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  t.after(() => plain.close());
  const ctl = await connectCountingTickets((plain.address() as { port: number }).port, pki.caFile, undefined);
  if (ctl.tickets === 0) await once(ctl.socket, 'session');
  assert.ok(ctl.tickets > 0);
  ctl.socket.destroy();

  const port = await freePort();
  const out = path.join(dir.path, 'out.log');
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); };
source s { syslog(ip(127.0.0.1) port(${port}) transport(tls) tls(key-file("${pki.serverKey}") cert-file("${pki.serverCert}") peer-verify(optional-untrusted))); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`,
    readyPorts: [port],
  });
  t.after(() => d.stop());
  const msg = '<13>1 - h app - - - ticket-check\n';
  const c = await connectCountingTickets(port, pki.caFile, `${Buffer.byteLength(msg)} ${msg}`);
  // the message went through the same connection after the handshake, so any ticket was sent before it
  const lines = await waitForLines(out, 1, 15_000);
  assert.equal(lines[0], 'ticket-check');
  assert.equal(c.tickets, 0);
  c.socket.end();
});
