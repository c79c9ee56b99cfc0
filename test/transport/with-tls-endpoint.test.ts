/**
 * The transport layer with the real src/tls endpoint (not the test fixture):
 * a connector and a listener agree on a verified TLS session, and a
 * plain-text client to the same listener is told apart from a TLS failure.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TlsEndpoint, TlsFailure, TlsOptions } from '../../src/tls/types.ts';
import { createConnector, type ConnectInfo } from '../../src/transport/connector.ts';
import { createStreamListener } from '../../src/transport/stream-listener.ts';
import { asCompiled, captureLogs, type LogCapture } from './helpers.ts';
import { makePki, type TestPki } from './tls-fixture.ts';
import * as net from 'node:net';
import { once } from 'node:events';

type Factory = (role: 'server' | 'client', opts: TlsOptions) => TlsEndpoint;
let factory: Factory | undefined;
let pki: TestPki;
let logs: LogCapture;
before(async () => {
  pki = makePki();
  logs = captureLogs();
  try {
    factory = (await import('../../src/tls/endpoint.ts')).createTlsEndpoint as Factory;
  } catch {
    factory = undefined;
  }
});
after(() => {
  logs.stop();
  pki.cleanup();
});

test('connector → listener over the real TLS endpoint', async (t) => {
  if (!factory) return t.skip('src/tls/endpoint.ts not available');
  const server = factory('server', { certFile: join(pki.dir, 'server.pem'), keyFile: join(pki.dir, 'server.key'), caFile: join(pki.dir, 'ca.pem'), peerVerify: 'optional-untrusted' });
  const client = factory('client', { caFile: join(pki.dir, 'ca.pem'), peerVerify: 'required-trusted' });
  const got: string[] = [];
  let gotOne!: () => void;
  const arrived = new Promise<void>((r) => (gotOne = r));
  const failures: TlsFailure[] = [];
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'auto', tls: server, ip: '127.0.0.1', port: 0 }, {
    onConnection: (conn) => {
      assert.ok(conn.tls);
      return {
        onData: (d) => {
          got.push(d.toString());
          gotOne();
        },
      };
    },
    onTlsFailure: (f) => failures.push(f),
  });
  let info: ConnectInfo | undefined;
  let connected!: () => void;
  const up = new Promise<void>((r) => (connected = r));
  const c = createConnector({ ...asCompiled.connector(), host: 'localhost', port: l.address.port, tls: client, timeReopenMs: 50 }, {
    onConnected: (i) => {
      info = i;
      connected();
    },
  });
  try {
    c.start();
    await up;
    assert.ok(info?.tls);
    c.write(Buffer.from('<13>over real tls\n'));
    await arrived;
    assert.equal(got.join(''), '<13>over real tls\n');
    assert.deepEqual(failures, []);
  } finally {
    c.destroy();
    await l.close();
  }
});

test('plain text to a tls listener with the real endpoint is reported as plaintext', async (t) => {
  if (!factory) return t.skip('src/tls/endpoint.ts not available');
  const server = factory('server', { certFile: join(pki.dir, 'server.pem'), keyFile: join(pki.dir, 'server.key'), peerVerify: 'optional-untrusted' });
  const failures: TlsFailure[] = [];
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tls', tls: server, ip: '127.0.0.1', port: 0 }, { onConnection: () => ({ onData: () => {} }), onTlsFailure: (f) => failures.push(f) });
  try {
    const s = net.connect(l.address.port, '127.0.0.1');
    s.on('error', () => {});
    s.resume();
    s.write('<13>Oct 11 22:14:15 host app: hello\n');
    await once(s, 'close');
    assert.equal(failures.length, 1);
    assert.equal(failures[0].reason, 'plaintext_on_tls_port');
  } finally {
    await l.close();
  }
});
