/**
 * A tiny L4 balancer for the scale-out bench: each client connection goes to the next backend in
 * turn (round-robin per connection, as HAProxy's `balance roundrobin` in `mode tcp`), and the
 * backend first receives a PROXY v2 header naming the client, so the receiver's ${SOURCEIP} is the
 * client's address, not the balancer's. No HAProxy needed on the bench machine.
 */
import * as net from 'node:net';

/** "\r\n\r\n\0\r\nQUIT\n": the 12-byte v2 signature */
const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v2 PROXY header for a TCP over IPv4 connection (version 2, command PROXY; family INET, STREAM). */
export function proxyV2(srcIp: string, srcPort: number, dstIp: string, dstPort: number): Buffer {
  const b = Buffer.alloc(16 + 12);
  SIG.copy(b, 0);
  b[12] = 0x21;
  b[13] = 0x11;
  b.writeUInt16BE(12, 14);
  srcIp.split('.').forEach((o, i) => (b[16 + i] = Number(o)));
  dstIp.split('.').forEach((o, i) => (b[20 + i] = Number(o)));
  b.writeUInt16BE(srcPort, 24);
  b.writeUInt16BE(dstPort, 26);
  return b;
}

export interface Balancer {
  port: number;
  /** connections handed to each backend, in backend order */
  perBackend: number[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (ephemeral port); backends are ports on 127.0.0.1. */
export async function startBalancer(backends: number[]): Promise<Balancer> {
  let next = 0;
  const perBackend = backends.map(() => 0);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const i = next++ % backends.length;
    perBackend[i]!++;
    const up = net.connect({ host: '127.0.0.1', port: backends[i]!, noDelay: true });
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        up.destroy();
      });
    }
    up.write(proxyV2(client.remoteAddress!.replace(/^::ffff:/, ''), client.remotePort!, client.localAddress!.replace(/^::ffff:/, ''), client.localPort!));
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    perBackend,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
