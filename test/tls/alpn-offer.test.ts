/**
 * A client endpoint offers the ALPN protocols it is asked to (disk-buffer()
 * destinations offer logferry-ack/1): a server that knows the protocol
 * agrees to it; one that configures no ALPN still completes the handshake
 * (a plain syslog peer sees plain RFC 5425).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import { ACK_ALPN } from '../../src/destinations/delivery-link.ts';
import { pki } from './helpers.ts';

let P = '';
before(() => {
  P = pki();
});

async function handshake(serverAlpn: string[] | undefined, offer: readonly string[] | undefined): Promise<{ client: string | false; server: string | false }> {
  const server = tls.createServer({ key: readFileSync(`${P}/server.key`), cert: readFileSync(`${P}/server.pem`), ...(serverAlpn ? { ALPNProtocols: serverAlpn } : {}) });
  const seen = new Promise<string | false>((res) => server.once('secureConnection', (s) => {
    res(s.alpnProtocol ?? false);
    s.end();
  }));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const ep = createTlsEndpoint('client', { peerVerify: 'optional-untrusted' }, undefined, { handshakeTimeoutMs: 5000 });
    const raw = net.connect(port, '127.0.0.1');
    await new Promise((res) => raw.once('connect', res));
    const s = await ep.connect(raw, 'localhost', { address: '127.0.0.1', port, family: 'IPv4' }, undefined, offer ? { alpnProtocols: offer } : undefined);
    s.socket.on('error', () => {});
    const client = (s.socket as tls.TLSSocket).alpnProtocol ?? false;
    // the server's side completes on the client's Finished: wait for it before closing
    const onServer = await seen;
    s.socket.destroy();
    return { client, server: onServer };
  } finally {
    server.close();
  }
}

test('offered logferry-ack/1: a server that knows it agrees, the client socket says so', async () => {
  assert.deepEqual(await handshake([ACK_ALPN], [ACK_ALPN]), { client: ACK_ALPN, server: ACK_ALPN });
});

test('offered to a server without ALPN (syslog-ng, rsyslog): the handshake completes with no protocol agreed', async () => {
  assert.deepEqual(await handshake(undefined, [ACK_ALPN]), { client: false, server: false });
});

test('nothing offered: no protocol, as before', async () => {
  assert.deepEqual(await handshake([ACK_ALPN], undefined), { client: false, server: false });
});
