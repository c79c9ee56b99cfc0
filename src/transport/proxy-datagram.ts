/**
 * transport(proxied-udp): every datagram carries its own PROXY v2 header and
 * the payload after it (AxoSyslog 4.27 reads only v2 in datagrams: a v1 line
 * needs a stream to find its end). One datagram, one decision: the payload
 * with the header's addresses, or a drop that is reported.
 */
import { emit } from '../core/telemetry.ts';
import type { PeerAddress } from '../tls/types.ts';
import { formatSockAddr } from './addresses.ts';
import { proxyDatagramRefused, proxyHealthCheck } from './events.ts';
import { parseProxyHeader, V2_SIGNATURE } from './proxy-header.ts';

export interface ProxiedDatagram {
  source: PeerAddress;
  destination: PeerAddress;
  payload: Buffer;
}

export interface DatagramContext {
  group: string;
  location?: string;
}

/** The payload and the header's addresses, or undefined (dropped, and reported). */
export function unwrapProxyDatagram(buf: Buffer, peer: PeerAddress, local: PeerAddress, ctx: DatagramContext): ProxiedDatagram | undefined {
  const r = buf.length > 0 && buf[0] === V2_SIGNATURE[0] ? parseProxyHeader(buf) : undefined;
  if (r === undefined || r.state !== 'done') {
    const reason =
      r === undefined
        ? buf.length > 0 && buf[0] === 0x50
          ? 'a PROXY v1 line in a datagram; over UDP only the v2 header is read'
          : 'the datagram does not start with a PROXY v2 header'
        : r.state === 'error'
          ? r.reason
          : `the datagram of ${buf.length} bytes ends inside its PROXY v2 header`;
    emit(proxyDatagramRefused, { group: ctx.group, client: formatSockAddr(peer), local: formatSockAddr(local), reason, location: ctx.location });
    return undefined;
  }
  const h = r.header;
  if (h.kind !== 'proxy') {
    emit(proxyHealthCheck, { group: ctx.group, client: formatSockAddr(peer), local: formatSockAddr(local), version: h.version, command: h.kind === 'local' ? 'LOCAL' : 'UNKNOWN' });
    return undefined;
  }
  return { source: { ...h.source, family: h.family }, destination: { ...h.destination, family: h.family }, payload: r.rest };
}
