/**
 * Socket addresses and OS errors, printed the way syslog-ng prints them in its
 * log tags (`AF_INET(1.2.3.4:514)`, `AF_INET6([::1]:514)`, `Connection refused (111)`),
 * so operators can grep logferry's lines with the patterns they already use.
 */
import type * as net from 'node:net';
import { getSystemErrorMessage } from 'node:util';
import type { PeerAddress } from '../tls/types.ts';

export type IpProtocol = 4 | 6;

export function formatSockAddr(a: { address: string; port: number; family?: string } | undefined): string {
  if (!a) return 'AF_UNSPEC()';
  const v6 = a.family === 'IPv6' || a.address.includes(':');
  return v6 ? `AF_INET6([${a.address}]:${a.port})` : `AF_INET(${a.address}:${a.port})`;
}

/** The wildcard bind address of an address family (syslog-ng's ip() default). */
export function anyAddress(ipProtocol: IpProtocol | undefined): string {
  return ipProtocol === 6 ? '::' : '0.0.0.0';
}

function family(address: string, fam: string | undefined): 'IPv4' | 'IPv6' {
  if (fam === 'IPv6' || fam === 'IPv4') return fam;
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

export function remoteOf(socket: net.Socket): PeerAddress {
  const address = socket.remoteAddress ?? '';
  return { address, port: socket.remotePort ?? 0, family: family(address, socket.remoteFamily) };
}

export function localOf(socket: net.Socket): PeerAddress {
  const address = socket.localAddress ?? '';
  return { address, port: socket.localPort ?? 0, family: family(address, socket.localFamily) };
}

/**
 * The kernel descriptor, for the `fd` tag only. Node does not expose it
 * publicly; the handle carries it on Unix. Undefined means the tag is omitted.
 */
export function fdOf(socket: { _handle?: unknown } | net.Socket): number | undefined {
  const h = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = h && typeof h.fd === 'number' ? h.fd : undefined;
  return fd !== undefined && fd >= 0 ? fd : undefined;
}

/** `Connection refused (111)`: strerror text plus the positive errno, as syslog-ng's error tag. */
export function osErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.errno === 'number' && e.errno < 0) {
    let text: string;
    try {
      text = getSystemErrorMessage(e.errno);
    } catch {
      text = e.code ?? 'unknown error';
    }
    return text.charAt(0).toUpperCase() + text.slice(1) + ` (${-e.errno})`;
  }
  if (e && typeof e.code === 'string') return e.code === 'ENOTFOUND' ? 'Name or service not known' : e.code;
  return e && typeof e.message === 'string' ? e.message : String(err);
}
