/**
 * Every `transport()` value, one row each (drivers.md §2, tls-options.md §2;
 * AxoSyslog 4.27 modules/afsocket/transport-mapper-inet.c). The schema,
 * finalize.ts and both network drivers read this table; a new transport is
 * one new row.
 */
import type { FramingKind } from '../syslog/framing/types.ts';

/** the two drivers whose transports this table describes (tcp()/udp() compile to network()) */
export type InetDriver = 'network' | 'syslog';

/** what a source listens with: plain TCP, TLS, or either (decided per connection from the first byte) */
export type ListenMode = 'tcp' | 'tls' | 'auto';

export interface TransportRow {
  name: string;
  socket: 'stream' | 'datagram';
  /** how messages are delimited, per driver */
  framing: Readonly<Record<InetDriver, FramingKind>>;
  /** tls() block: must be written, may be written, or is refused */
  tls: 'required' | 'allowed' | 'forbidden';
  /** refused in destinations (`transport(x) is only available in sources`) */
  sourceOnly: boolean;
  /** port() when not written, per driver */
  port: Readonly<Record<InetDriver, number>>;
  /** syslog() port when @version is older than 3.3 and it differs from `port.syslog` */
  legacySyslogPort?: number;
  /** the `${TRANSPORT}` value of received messages, per driver */
  macro: Readonly<Record<InetDriver, string>>;
  /** stream sources only: how the listener treats a connection */
  listen: ListenMode;
  /**
   * PROXY protocol header: none; in plain text before the data (`plain`);
   * inside the TLS session (a TLS-terminating proxy in front: `inside-tls`);
   * in plain text before the TLS handshake (a TLS-passing proxy: `before-tls`)
   */
  proxy: 'none' | 'plain' | 'inside-tls' | 'before-tls';
  /** why logferry refuses it at compile time (undefined: implemented) */
  notImplemented?: string;
  /** datagram rows: the largest IPv4 UDP payload, also truncate-size() of destinations when not written */
  maxPayload?: number;
}

const UDP_PAYLOAD = 65507;

function row(r: TransportRow): TransportRow {
  return r;
}

const both = <T>(v: T): Readonly<Record<InetDriver, T>> => ({ network: v, syslog: v });

export const TRANSPORT_TABLE: readonly TransportRow[] = [
  row({ name: 'tcp', socket: 'stream', framing: { network: 'newline', syslog: 'octet-counted' }, tls: 'forbidden', sourceOnly: false, port: { network: 514, syslog: 601 }, macro: { network: 'bsdsyslog+tcp', syslog: 'rfc6587' }, listen: 'tcp', proxy: 'none' }),
  row({ name: 'udp', socket: 'datagram', framing: both('datagram'), tls: 'forbidden', sourceOnly: false, port: both(514), legacySyslogPort: 601, macro: { network: 'bsdsyslog+udp', syslog: 'rfc5426' }, listen: 'tcp', proxy: 'none', maxPayload: UDP_PAYLOAD }),
  row({ name: 'tls', socket: 'stream', framing: { network: 'newline', syslog: 'octet-counted' }, tls: 'required', sourceOnly: false, port: { network: 514, syslog: 6514 }, legacySyslogPort: 601, macro: { network: 'bsdsyslog+tls', syslog: 'rfc5425' }, listen: 'tls', proxy: 'none' }),
  row({ name: 'auto', socket: 'stream', framing: both('auto'), tls: 'allowed', sourceOnly: true, port: { network: 514, syslog: 601 }, macro: { network: 'bsdsyslog+auto', syslog: 'rfc5424+auto' }, listen: 'auto', proxy: 'none' }),
  row({ name: 'proxied-tcp', socket: 'stream', framing: { network: 'newline', syslog: 'octet-counted' }, tls: 'forbidden', sourceOnly: true, port: { network: 514, syslog: 601 }, macro: { network: 'bsdsyslog+proxied-tcp', syslog: 'rfc6587+proxied-tcp' }, listen: 'tcp', proxy: 'plain' }),
  row({ name: 'proxied-udp', socket: 'datagram', framing: both('datagram'), tls: 'forbidden', sourceOnly: true, port: both(514), macro: { network: 'bsdsyslog+proxied-udp', syslog: 'rfc6587+proxied-udp' }, listen: 'tcp', proxy: 'plain', maxPayload: UDP_PAYLOAD }),
  row({ name: 'proxied-tls', socket: 'stream', framing: { network: 'newline', syslog: 'octet-counted' }, tls: 'required', sourceOnly: true, port: { network: 514, syslog: 601 }, macro: { network: 'bsdsyslog+proxied-tls', syslog: 'rfc5425+proxied-tls' }, listen: 'tls', proxy: 'inside-tls' }),
  row({ name: 'proxied-tls-passthrough', socket: 'stream', framing: { network: 'newline', syslog: 'octet-counted' }, tls: 'required', sourceOnly: true, port: { network: 514, syslog: 601 }, macro: { network: 'bsdsyslog+proxied-tls-passthrough', syslog: 'rfc5425+proxied-tls-passthrough' }, listen: 'tls', proxy: 'before-tls' }),
  // LogProto plugins of their own: TLS is theirs to start, and logferry's listener does not start it
  row({ name: 'text-with-nuls', socket: 'stream', framing: both('text-with-nuls'), tls: 'allowed', sourceOnly: true, port: both(514), macro: { network: 'bsdsyslog+text-with-nuls', syslog: 'rfc5424+text-with-nuls' }, listen: 'tcp', proxy: 'none' }),
  row({ name: 'nul-terminated', socket: 'stream', framing: both('nul-terminated'), tls: 'allowed', sourceOnly: true, port: both(514), macro: { network: 'bsdsyslog+nul-terminated', syslog: 'rfc5424+nul-terminated' }, listen: 'tcp', proxy: 'none' }),
];

export function transportRow(name: string): TransportRow | undefined {
  return TRANSPORT_TABLE.find((r) => r.name === name);
}

/** The refusal of a row logferry does not implement yet (the text users see). */
export function notImplementedText(r: TransportRow): string | undefined {
  return r.notImplemented === undefined ? undefined : `transport(${r.name}) (${r.notImplemented}) is not implemented by logferry yet`;
}

/** What a network()/syslog() driver needs to know of its transport, as plain data in its settings. */
export interface TransportFacts {
  name: string;
  socket: 'stream' | 'datagram';
  framing: FramingKind;
  tls: TransportRow['tls'];
  /** `${TRANSPORT}` of received messages */
  macro: string;
  listen: ListenMode;
  /** where a PROXY protocol header comes (proxied-* transports), or 'none' */
  proxy: TransportRow['proxy'];
}

export function transportFacts(r: TransportRow, driver: InetDriver): TransportFacts {
  return { name: r.name, socket: r.socket, framing: r.framing[driver], tls: r.tls, macro: r.macro[driver], listen: r.listen, proxy: r.proxy };
}
