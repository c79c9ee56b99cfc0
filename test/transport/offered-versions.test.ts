/**
 * A TLS source that refuses a client's protocol version says which versions
 * the client offered (read from the ClientHello the listener peeked at).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createStreamListener } from '../../src/transport/stream-listener.ts';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import type { TlsFailure } from '../../src/tls/types.ts';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { makePki } from './tls-fixture.ts';
import { asCompiled } from './helpers.ts';

test('openssl s_client -tls1_1 against a TLS 1.2+ source: the failure names TLS 1.1 as what the client offered', { timeout: 30_000, skip: skipUnlessPeers('openssl') }, async (t) => {
  const pki = makePki();
  t.after(() => pki.cleanup());
  const endpoint = createTlsEndpoint('server', { keyFile: join(pki.dir, 'server.key'), certFile: join(pki.dir, 'server.pem'), peerVerify: 'optional-untrusted' }, { file: 'v.conf', line: 2, column: 1 }, { handshakeTimeoutMs: 10_000 });
  let gotFailure!: (f: TlsFailure) => void;
  const failure = new Promise<TlsFailure>((r) => (gotFailure = r));
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tls', tls: endpoint, ip: '127.0.0.1', port: 0 }, {
    onConnection: () => ({ onData: () => {} }),
    onTlsFailure: (f) => gotFailure(f),
  });
  t.after(() => l.close());
  // SECLEVEL=0: OpenSSL 3 would not even offer TLS 1.1 otherwise
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${l.address.port}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  });
  const f = await failure;
  assert.equal(f.reason, 'protocol_version');
  assert.match(f.message, /the client offered TLS 1\.1 \(its highest\)/);
});
