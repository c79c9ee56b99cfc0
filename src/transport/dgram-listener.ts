/**
 * UDP listener for network(transport(udp)) / syslog(transport(udp)) sources:
 * one datagram is one message (drivers.md §4.4). A kernel receive buffer that
 * is too small is the classic cause of silent UDP loss, so a refused
 * so-rcvbuf() is warned about, as syslog-ng does.
 */
import * as dgram from 'node:dgram';
import { internalLog } from '../core/internal-log.ts';
import { formatLocation, type SourceLocation } from '../core/location.ts';
import type { PeerAddress } from '../tls/types.ts';
import { formatSockAddr, type IpProtocol } from './addresses.ts';
import { DROP_REPORT_INTERVAL_MS } from '../core/interval-tally.ts';
import { UdpDropWatch } from './udp-drops.ts';

export interface DgramListenerOptions {
  ip: string;
  port: number;
  ipProtocol: IpProtocol;
  /** so-rcvbuf(), bytes; 0 = kernel default */
  soRcvbuf: number;
  soReuseport: boolean;
  location?: SourceLocation;
  /** the source's name, the drop counter's label */
  groupName?: string;
  /** how often the kernel's drop count is read (tests shorten it) */
  dropPollMs?: number;
}

export interface DgramListener {
  readonly address: PeerAddress;
  /** the receive buffer size the kernel reports (Linux doubles the requested value) */
  readonly recvBufferSize: number;
  close(): Promise<void>;
}

/** `local` is the listener's bound address (for DESTIP/DESTPORT) */
export type DatagramHandler = (payload: Buffer, peer: PeerAddress, local: PeerAddress) => void;

export async function createDgramListener(opts: DgramListenerOptions, onDatagram: DatagramHandler): Promise<DgramListener> {
  const v6 = opts.ipProtocol === 6;
  const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: opts.soReuseport, reusePort: opts.soReuseport });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: opts.ip, port: opts.port }, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  if (opts.soRcvbuf > 0) setRecvBuffer(sock, opts.soRcvbuf);
  const a = sock.address();
  const address: PeerAddress = { address: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' };
  sock.on('error', (err) => {
    internalLog('error', 'I/O error occurred while reading', { local: formatSockAddr(address), error: err.message, location: opts.location ? formatLocation(opts.location) : undefined });
  });
  // the kernel's receive-buffer drops, read and reported once per interval
  const drops = new UdpDropWatch(sock, { group: opts.groupName ?? '', local: formatSockAddr(address), intervalMs: opts.dropPollMs ?? DROP_REPORT_INTERVAL_MS });
  sock.on('message', (msg, rinfo) => {
    onDatagram(msg, { address: rinfo.address, port: rinfo.port, family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4' }, address);
  });
  let closing: Promise<void> | undefined;
  return {
    address,
    get recvBufferSize() {
      return sock.getRecvBufferSize();
    },
    close() {
      if (!closing) drops.close();
      closing ??= new Promise<void>((resolve) => sock.close(() => resolve()));
      return closing;
    },
  };
}

function setRecvBuffer(sock: dgram.Socket, wanted: number): void {
  let got = 0;
  try {
    sock.setRecvBufferSize(wanted);
    got = sock.getRecvBufferSize();
  } catch {
    // reported below as refused
  }
  if (got < wanted) {
    internalLog('warning', 'The kernel refused to set the receive buffer (SO_RCVBUF) to the requested size, you probably need to adjust buffer related kernel parameters', {
      so_rcvbuf: wanted,
      so_rcvbuf_set: got,
    });
  }
}
