/**
 * A test-only logferry-ack/1 sender: what the disk-buffered destination does,
 * reduced to the protocol. It holds every record until the receiver acks it,
 * and after a broken connection reconnects and sends again everything not
 * acked, from the oldest, as the sender's buffer would. Loopback only; every
 * wait is bounded.
 */
import * as tls from 'node:tls';
import { ACK_PROTOCOL_ALPN, AckDecoder, encodeHello, encodeRecords } from '../../src/syslog/framing/ack-protocol.ts';

export function octetFrame(msg: string): Buffer {
  return Buffer.from(`${Buffer.byteLength(msg)} ${msg}`);
}

/** connects once; resolves with the socket and the ALPN protocol the server selected */
export function connectTls(port: number, alpn: string[] | undefined): Promise<{ socket: tls.TLSSocket; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(alpn ? { ALPNProtocols: alpn } : {}) }, () =>
      resolve({ socket, alpn: socket.alpnProtocol ?? false }),
    );
    socket.once('error', reject);
  });
}

export class AckTestSender {
  readonly senderId: string;
  readonly port: number;
  /** seq → payload, removed when acked */
  readonly unacked = new Map<number, Buffer>();
  acked = -1;
  connections = 0;
  private socket: tls.TLSSocket | undefined;
  private ackWaiters: Array<() => void> = [];

  constructor(port: number, senderId = 'feedc0de'.repeat(4)) {
    this.port = port;
    this.senderId = senderId;
  }

  add(seq: number, payload: Buffer): void {
    this.unacked.set(seq, payload);
  }

  private onAck(seq: number): void {
    for (const s of this.unacked.keys()) {
      if (s > seq) break;
      this.unacked.delete(s);
    }
    this.acked = Math.max(this.acked, seq);
    const w = this.ackWaiters;
    this.ackWaiters = [];
    for (const f of w) f();
  }

  /** resolves at the next ack, or after `ms` */
  nextAck(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.ackWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** one connection: hello, every unacked record (or those from `from`), acks read until it ends */
  async connectAndSend(from?: number): Promise<tls.TLSSocket> {
    const { socket, alpn } = await connectTls(this.port, [ACK_PROTOCOL_ALPN]);
    if (alpn !== ACK_PROTOCOL_ALPN) {
      socket.destroy();
      throw new Error(`the receiver did not select ${ACK_PROTOCOL_ALPN} (got ${alpn})`);
    }
    this.connections++;
    this.socket = socket;
    const dec = new AckDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const s of dec.push(chunk)) this.onAck(s);
    });
    socket.on('error', () => {});
    const records = [...this.unacked].filter(([s]) => from === undefined || s >= from).map(([seq, payload]) => ({ seq, payload }));
    socket.write(encodeHello(this.senderId, records[0]?.seq ?? this.acked + 1));
    // in slices, as a buffer reads them, so a kill can fall between any two
    for (let i = 0; i < records.length; i += 500) socket.write(encodeRecords(records.slice(i, i + 500)));
    return socket;
  }

  /**
   * Keeps a connection up and everything sent until all is acked or `deadline`
   * passes: a broken connection is replaced (refused ones retried every 50 ms).
   */
  async deliverAll(deadline: number, onConnected?: (socket: tls.TLSSocket) => void): Promise<void> {
    while (this.unacked.size > 0) {
      if (Date.now() > deadline) throw new Error(`${this.unacked.size} records still unacked (acked up to ${this.acked})`);
      let sock: tls.TLSSocket;
      try {
        sock = await this.connectAndSend();
      } catch {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      onConnected?.(sock);
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.unacked.size === 0 || sock.destroyed) {
            sock.off('close', check);
            resolve();
          } else void this.nextAck(200).then(check);
        };
        sock.once('close', check);
        check();
      });
      if (this.unacked.size === 0) sock.end();
    }
  }

  close(): void {
    this.socket?.destroy();
  }
}
