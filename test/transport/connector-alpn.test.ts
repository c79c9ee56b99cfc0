/**
 * close-on-input() and ALPN: a peer that agreed to a protocol the connector
 * offered (logferry-ack/1) talks back on the connection, and its bytes do
 * not close it; a peer without ALPN that sends bytes is still unexpected
 * input, as before.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { createConnector, type ConnectorOptions } from '../../src/transport/connector.ts';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import { ACK_ALPN } from '../../src/destinations/delivery-link.ts';
import { pki } from '../tls/helpers.ts';

let P = '';
before(() => {
  P = pki();
});

async function run(serverAlpn: string[] | undefined): Promise<{ stillConnected: boolean; serverGot: string }> {
  let serverGot = '';
  const got = new Promise<void>((res) => {
    const server = tls.createServer({ key: readFileSync(`${P}/server.key`), cert: readFileSync(`${P}/server.pem`), ...(serverAlpn ? { ALPNProtocols: serverAlpn } : {}) }, (s) => {
      s.on('error', () => {});
      // the receiver speaks first: an acknowledgement, say
      s.write('ack 0\n');
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        serverGot += d;
        if (serverGot.includes('\n')) res();
      });
      s.on('close', () => res());
    });
    servers.push(server);
  });
  const server = servers[servers.length - 1];
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const o: ConnectorOptions = {
    host: '127.0.0.1', port, servers: [], failback: undefined, ipProtocol: 4, localip: undefined, localport: 0, timeReopenMs: 60_000, closeOnInput: true,
    soKeepalive: false, tcpKeepaliveTime: 0, tls: createTlsEndpoint('client', { peerVerify: 'optional-untrusted' }, undefined, { handshakeTimeoutMs: 5000 }), alpnProtocols: [ACK_ALPN],
  };
  let onSocket!: (s: net.Socket) => void;
  const connected = new Promise<net.Socket>((res) => (onSocket = res));
  const c = createConnector(o, { onConnected: (info) => onSocket(info.socket) });
  c.start();
  const sock = await connected;
  // the peer's bytes arrive (and are judged) before we write
  await new Promise((r) => sock.once('data', r));
  await new Promise((r) => setImmediate(r));
  const stillConnected = c.connected;
  c.write(Buffer.from('<13>hello\n'));
  await got;
  await c.close();
  server.close();
  return { stillConnected, serverGot };
}

const servers: tls.Server[] = [];

test('a peer that agreed to logferry-ack/1 may send data: the connection stays and carries the next write', async () => {
  const r = await run([ACK_ALPN]);
  assert.equal(r.stillConnected, true);
  assert.equal(r.serverGot, '<13>hello\n');
});

test('a peer without ALPN that sends data is unexpected input: close-on-input(yes) closes the connection', async () => {
  const r = await run(undefined);
  assert.equal(r.stillConnected, false);
  assert.equal(r.serverGot, '');
});
