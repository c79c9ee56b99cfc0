/**
 * UDP sender for udp destinations: one datagram per message, cut at 65507
 * bytes (the largest IPv4 UDP payload; syslog-ng's truncate-size default for
 * datagrams). The socket is connected, so a port-unreachable answer surfaces
 * as an error on a later send instead of vanishing; UDP has no delivery
 * confirmation beyond that (drivers.md §13.1).
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import { internalLog } from '../core/internal-log.ts';
import type { PeerAddress } from '../tls/types.ts';
import { formatSockAddr, osErrorText, type IpProtocol } from './addresses.ts';

export const MAX_UDP_PAYLOAD = 65507;

export interface DgramSenderOptions {
  host: string;
  port: number;
  ipProtocol: IpProtocol;
  /** localip(); undefined = the kernel picks */
  localip: string | undefined;
  /** localport(); 0 = ephemeral */
  localport: number;
  /** so-sndbuf(), bytes; 0 = kernel default */
  soSndbuf: number;
  /** truncate-size(); undefined: none written, datagrams are only held to the 65507-byte UDP limit */
  truncateSize: number | undefined;
  /** so-broadcast(): allow sending to a broadcast address */
  soBroadcast: boolean;
  /** ip-ttl(): TTL of sent packets; 0 = system default */
  ipTtl: number;
}

/** The socket calls of the options above, apart so a test can watch them. */
export function applyDgramSendOptions(
  sock: Pick<dgram.Socket, 'setSendBufferSize' | 'setBroadcast' | 'setTTL'>,
  opts: Pick<DgramSenderOptions, 'soSndbuf' | 'soBroadcast' | 'ipTtl'>,
): void {
  if (opts.soSndbuf) sock.setSendBufferSize(opts.soSndbuf);
  if (opts.soBroadcast) sock.setBroadcast(true);
  if (opts.ipTtl) sock.setTTL(opts.ipTtl);
}

export interface DgramSender {
  readonly remote: PeerAddress;
  /**
   * Sends one datagram per buffer (each cut to the size limit); the callback
   * fires once, after the kernel took all of them or with the first error.
   */
  send(payload: Buffer | readonly Buffer[], cb?: (err: Error | null) => void): void;
  close(): Promise<void>;
}

export async function createDgramSender(opts: DgramSenderOptions): Promise<DgramSender> {
  const v6 = opts.ipProtocol === 6;
  const { address } = await dns.lookup(opts.host, { family: v6 ? 6 : 4 });
  const sock = dgram.createSocket(v6 ? 'udp6' : 'udp4');
  // SO_BROADCAST must be on before connect() to a broadcast address, and Node sets it only on a bound socket
  if (opts.localip || opts.localport || opts.soBroadcast) {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: opts.localip, port: opts.localport }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  }
  if (opts.soBroadcast) sock.setBroadcast(true);
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(opts.port, address, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  applyDgramSendOptions(sock, opts);
  const remote: PeerAddress = { address, port: opts.port, family: v6 ? 'IPv6' : 'IPv4' };
  // the UDP limit holds whatever truncate-size() says
  const limit = opts.truncateSize === undefined ? MAX_UDP_PAYLOAD : Math.min(opts.truncateSize, MAX_UDP_PAYLOAD);
  let warned = false;
  sock.on('error', (err) => {
    if (warned) return;
    warned = true;
    internalLog('warning', 'I/O error occurred while writing', { server: formatSockAddr(remote), error: osErrorText(err) });
  });
  let closing: Promise<void> | undefined;
  return {
    remote,
    send(payload, cb) {
      const list: readonly Buffer[] = Buffer.isBuffer(payload) ? [payload] : payload;
      let left = list.length;
      let failed: Error | null = null;
      if (left === 0) {
        if (cb) queueMicrotask(() => cb(null));
        return;
      }
      for (const p of list) {
        const buf = p.length > limit ? p.subarray(0, limit) : p;
        sock.send(buf, (err) => {
          failed ??= err ?? null;
          if (--left === 0) cb?.(failed);
        });
      }
    },
    close() {
      closing ??= new Promise<void>((resolve) => sock.close(() => resolve()));
      return closing;
    },
  };
}
