/**
 * Acceptance of `logferry cert` against the real syslog-ng 3.38: a CA, a
 * server and client certificates made by the command, used by syslog-ng with
 * the hashed ca.d and peer-verify(required-trusted); 1 000 of 1 000 messages
 * arrive over mutual TLS. After `cert revoke` and a restart with crl-dir(),
 * the revoked client is refused while a client that was not revoked still
 * gets through (so the refusal is the revocation, not a broken crl-dir).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { SNG_TEST_OPTIONS, sngString, skipUnlessPeers, startSyslogNg, tempDir, waitForLines, type DaemonHandle } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { certOk } from './cert-helpers.ts';

const COUNT = 1000;

function receiverConfig(port: number, dir: string, out: string, crl: boolean): string {
  const caDir = path.join(dir, 'ca.d');
  return `@version: 3.38
options { ${SNG_TEST_OPTIONS} };
source s_tls {
  syslog(ip(127.0.0.1) port(${port}) transport("tls")
    tls(key-file(${sngString(path.join(dir, 'localhost.key'))}) cert-file(${sngString(path.join(dir, 'localhost.pem'))})
        ca-dir(${sngString(caDir)}) ${crl ? `crl-dir(${sngString(caDir)})` : ''} peer-verify(required-trusted)));
};
destination d { file(${sngString(out)} template("$MSG\\n")); };
log { source(s_tls); destination(d); };
`;
}

interface SendResult {
  error: Error | undefined;
}

/**
 * Sends `count` RFC 5425 frames with a client certificate, then half-closes and
 * waits for the server to close (or to refuse with an alert), bounded by a timer.
 */
function send(port: number, dir: string, client: string, tag: string, count: number): Promise<SendResult> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    const s = tls.connect({
      host: '127.0.0.1', port, servername: 'localhost',
      ca: fs.readFileSync(path.join(dir, 'ca.pem')),
      cert: fs.readFileSync(path.join(dir, `${client}.pem`)),
      key: fs.readFileSync(path.join(dir, `${client}.key`)),
    });
    const timer = setTimeout(() => {
      error ??= new Error('no answer from the server within 20 s');
      s.destroy();
    }, 20_000);
    s.on('error', (e) => (error ??= e));
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ error });
    });
    s.on('secureConnect', () => {
      const frames: string[] = [];
      for (let i = 1; i <= count; i++) {
        const m = `<13>1 2026-01-01T00:00:00Z host app - - - ${tag} seq=${i}`;
        frames.push(`${Buffer.byteLength(m)} ${m}`);
      }
      s.end(frames.join(''));
    });
    s.resume();
  });
}

test('syslog-ng 3.38 takes cert-made certificates for mutual TLS, and refuses a revoked client after a restart with crl-dir()', { timeout: 180_000, skip: skipUnlessPeers('syslog-ng') }, async (t) => {
  const tmp = tempDir('lf-cert-sng');
  t.after(() => tmp.remove());
  const dir = path.join(tmp.path, 'pki');
  certOk('init-ca', dir, '--cn', 'logferry test CA');
  certOk('issue', 'server', dir, '--cn', 'localhost', '--san', 'IP:127.0.0.1');
  certOk('issue', 'client', dir, '--cn', 'sender-1');
  certOk('issue', 'client', dir, '--cn', 'sender-2');

  let sng: DaemonHandle | undefined;
  t.after(async () => {
    await sng?.stop();
  });
  const out1 = path.join(tmp.path, 'first.log');
  const port1 = await freePort();
  sng = await startSyslogNg({ config: receiverConfig(port1, dir, out1, false), readyPorts: [port1] });
  const r = await send(port1, dir, 'sender-1', 'first', COUNT);
  assert.equal(r.error, undefined, `sending failed: ${r.error?.message}\n${sng.stderr()}`);
  const lines = await waitForLines(out1, COUNT, 30_000);
  assert.equal(lines.length, COUNT);
  assert.deepEqual(new Set(lines), new Set(Array.from({ length: COUNT }, (_, i) => `first seq=${i + 1}`)), 'every sequence number arrived once');
  await sng.stop();
  sng = undefined;

  certOk('revoke', dir, path.join(dir, 'sender-1.pem'));
  const out2 = path.join(tmp.path, 'second.log');
  const port2 = await freePort();
  sng = await startSyslogNg({ config: receiverConfig(port2, dir, out2, true), readyPorts: [port2] });
  const refused = await send(port2, dir, 'sender-1', 'revoked', 1);
  assert.ok(refused.error, 'the revoked client was not refused');
  assert.match(refused.error.message, /certificate revoked/i, `refused for another reason: ${refused.error.message}`);
  // the client that was not revoked still gets through with crl-dir() on
  const ok = await send(port2, dir, 'sender-2', 'still-trusted', 1);
  assert.equal(ok.error, undefined, `${ok.error?.message}\n${sng.stderr()}`);
  const after = await waitForLines(out2, 1, 15_000);
  assert.deepEqual(after, ['still-trusted seq=1'], 'nothing from the revoked client was written');
});
