/**
 * tls_handshakes_total counts each accepted handshake once per side, labelled
 * by side and protocol: a connector and a listener over the real endpoint give
 * one source and one destination count; a refused handshake adds none (it is
 * tls_handshake_failures_total's).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { allCounters } from '../../src/core/stats.ts';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import type { TlsFailure } from '../../src/tls/types.ts';
import { createConnector } from '../../src/transport/connector.ts';
import { createStreamListener } from '../../src/transport/stream-listener.ts';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { pki } from '../tls/helpers.ts';
import { asCompiled, captureLogs, until, type LogCapture } from './helpers.ts';

const skip = skipUnlessPeers('openssl');
let P = '';
let logs: LogCapture;
before(() => {
  if (skip) return;
  P = pki();
  logs = captureLogs();
});
after(() => logs?.stop());

const handshakes = (side: string) => allCounters().filter((c) => c.name === 'tls_handshakes_total' && c.labels.side === side);
const total = (side: string) => handshakes(side).reduce((n, c) => n + c.value, 0);

test('one accepted handshake: one count on each side, with its protocol; a refused one: none', { skip }, async () => {
  const server = createTlsEndpoint('server', { certFile: join(P, 'server.pem'), keyFile: join(P, 'server.key'), caDir: join(P, 'ca.d'), peerVerify: 'required-trusted' });
  const client = createTlsEndpoint('client', { caDir: join(P, 'ca.d'), certFile: join(P, 'client1.pem'), keyFile: join(P, 'client1.key'), peerVerify: 'required-trusted' });
  const failures: TlsFailure[] = [];
  let connections = 0;
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tls', tls: server, ip: '127.0.0.1', port: 0 }, {
    onConnection: () => {
      connections++;
      return { onData: () => {} };
    },
    onTlsFailure: (f) => failures.push(f),
  });
  let up!: () => void;
  const connected = new Promise<void>((r) => (up = r));
  const c = createConnector({ ...asCompiled.connector(), host: 'localhost', port: l.address.port, tls: client, timeReopenMs: 50 }, { onConnected: () => up() });
  try {
    assert.equal(total('source') + total('destination'), 0, 'nothing counted before');
    c.start();
    await connected;
    await until(() => connections === 1, 'the listener established the connection');
    assert.equal(total('destination'), 1);
    assert.equal(total('source'), 1);
    const [src] = handshakes('source');
    assert.match(src.labels.protocol, /^TLSv1\.[23]$/);
    assert.deepEqual(Object.keys(src.labels).sort(), ['protocol', 'side'], 'bounded labels only: no peer');

    // a client with a certificate from another CA is refused: a failure, not a handshake
    const rogue = tls.connect({ port: l.address.port, host: '127.0.0.1', key: readFileSync(join(P, 'rogue.key')), cert: readFileSync(join(P, 'rogue.pem')), rejectUnauthorized: false });
    rogue.on('error', () => {});
    await until(() => failures.length === 1, 'the rogue client refused');
    rogue.destroy();
    assert.equal(total('source'), 1, 'the refused handshake is not counted as completed');
  } finally {
    c.destroy();
    await l.close();
  }
});
