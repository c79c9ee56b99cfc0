/**
 * Per-socket options shared by accepted and connected stream sockets
 * (drivers.md §7 so-keepalive, tcp-keepalive-*; so-rcvbuf/so-sndbuf).
 *
 * What Node cannot do: it sets SO_KEEPALIVE and TCP_KEEPIDLE (initialDelay)
 * but has no TCP_KEEPINTVL/TCP_KEEPCNT and no SO_RCVBUF/SO_SNDBUF on TCP
 * sockets; the config compiler warns about those once (config/finalize.ts),
 * so `-s` says it too.
 */
import type * as net from 'node:net';

export interface StreamSocketOptions {
  /** so-keepalive() */
  soKeepalive: boolean;
  /** tcp-keepalive-time(), seconds */
  tcpKeepaliveTime: number;
  /** tcp-keepalive-intvl(), seconds; not settable from Node */
  tcpKeepaliveIntvl?: number;
  /** tcp-keepalive-probes(); not settable from Node */
  tcpKeepaliveProbes?: number;
  /** so-rcvbuf(), bytes; not settable on Node TCP sockets */
  soRcvbuf?: number;
  /** so-sndbuf(), bytes; not settable on Node TCP sockets */
  soSndbuf?: number;
  /** TCP_NODELAY, default true: syslog writes are already batched above us */
  noDelay?: boolean;
}

export function applyStreamSocketOptions(socket: net.Socket, o: StreamSocketOptions): void {
  const keep = o.soKeepalive;
  socket.setKeepAlive(keep, keep ? o.tcpKeepaliveTime * 1000 : 0);
  socket.setNoDelay(o.noDelay ?? true);
}
