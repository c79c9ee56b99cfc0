/**
 * `network()`, `syslog()` and the older `tcp()`, `tcp6()`, `udp()`, `udp6()`
 * (drivers.md §1–3, §7, §9, §11). One table serves both sides; `sides` says
 * where a row is valid.
 */
import type { OptionRow, OptionSchema } from './types.ts';
import { tlsSchema } from './tls.ts';
import { diskBufferSchema } from './disk-buffer.ts';
import { DESTINATION_FLAGS, DESTINATION_FLAGS_NO_EFFECT, SOURCE_FLAGS, SOURCE_FLAGS_NO_EFFECT, destinationFormatRows, hostnameRows, noEffectUnless, notImplementedUnless, sourceMessageRows, unsupportedUnless } from './common.ts';

const SRC = ['source'] as const;
const DST = ['destination'] as const;

export const failbackSchema: OptionSchema = {
  name: 'failback()',
  rows: [
    { name: 'tcp-probe-interval', type: { kind: 'positive-int' }, default: 60, doc: 'seconds between plain TCP connects that probe the primary server' },
    { name: 'successful-probes-required', type: { kind: 'positive-int' }, default: 3, doc: 'consecutive successful probes before the messages go to the primary again' },
  ],
};

export const failoverSchema: OptionSchema = {
  name: 'failover()',
  rows: [
    { name: 'servers', type: { kind: 'string-list' }, default: [], doc: 'failover servers, used in turn after the primary: each reconnect moves to the next one' },
    { name: 'failback', type: { kind: 'block', schema: () => failbackSchema }, doc: 'while on a failover server, probe the primary and go back to it once successful-probes-required() probes succeed' },
  ],
};

const socketRows: OptionRow[] = [
  // so-rcvbuf, so-sndbuf, tcp-keepalive-intvl/-probes, ip-ttl and so-broadcast depend on the transport: finalize.ts warns where Node cannot apply them
  { name: 'so-rcvbuf', type: { kind: 'non-negative-int' }, default: 0, doc: 'socket receive buffer in bytes (0 = kernel default); applied to UDP sources only: Node.js cannot set it on TCP sockets (warns); datagrams the kernel drops when it is full are reported in one warning per 10 s (Linux)' },
  { name: 'so-sndbuf', type: { kind: 'non-negative-int' }, default: 0, doc: 'socket send buffer in bytes (0 = kernel default); applied to UDP destinations only: Node.js cannot set it on TCP sockets (warns)' },
  { name: 'so-keepalive', type: { kind: 'yesno' }, default: true, aliases: ['tcp-keepalive', 'tcp-keep-alive'], doc: 'TCP keepalive on accepted and outgoing connections' },
  { name: 'tcp-keepalive-time', type: { kind: 'non-negative-int' }, default: 60, doc: 'seconds a connection is idle before the first keepalive probe' },
  {
    name: 'tcp-keepalive-intvl',
    type: { kind: 'non-negative-int' },
    default: 10,
    doc: 'seconds between keepalive probes; Node.js cannot set it, the kernel default applies (warns when written)',
  },
  { name: 'tcp-keepalive-probes', type: { kind: 'non-negative-int' }, default: 6, doc: 'unanswered keepalive probes before the connection is dropped; Node.js cannot set it, the kernel default applies (warns when written)' },
  { name: 'so-reuseport', type: { kind: 'yesno' }, default: false, doc: 'SO_REUSEPORT on the listening socket, so several listeners can share the port (sources only; a destination warns)' },
  { name: 'so-broadcast', type: { kind: 'yesno' }, default: false, doc: 'allow sending to broadcast addresses (UDP destinations only; elsewhere it warns)' },
  {
    name: 'interface',
    type: { kind: 'string' },
    unsupported: () => 'logferry cannot honour interface(): Node.js cannot bind a socket to a device; use ip() with the address of that interface',
    doc: 'bind to a network device (not available on Node.js)',
  },
  {
    name: 'ip-freebind',
    type: { kind: 'yesno' },
    default: false,
    unsupported: unsupportedUnless('ip-freebind', false, 'Node.js cannot set IP_FREEBIND'),
    doc: 'bind a non-local address (not available on Node.js)',
  },
  {
    name: 'ip-ttl',
    type: { kind: 'non-negative-int' },
    default: 0,
    check: (v) => (typeof v === 'number' && v > 255 ? `ip-ttl() must be 0..255; value='${v}'` : undefined),
    doc: 'TTL of sent packets (0 = system default); UDP destinations only (elsewhere it warns)',
  },
  {
    name: 'ip-tos',
    type: { kind: 'non-negative-int' },
    default: 0,
    unsupported: unsupportedUnless('ip-tos', 0, 'Node.js cannot set IP_TOS'),
    doc: 'TOS byte of sent packets (not available on Node.js)',
  },
];

const NO_DYNWIN = 'logferry has no dynamic window (dynamic-window-size() is not implemented); remove it';

/** rows common to network(), syslog() and the legacy drivers */
function inetRows(withTransport: boolean): OptionRow[] {
  const rows: OptionRow[] = [
    { name: 'ip', type: { kind: 'string' }, aliases: ['localip'], sides: SRC, doc: 'bind address (default 0.0.0.0, or :: with ip-protocol(6))' },
    { name: 'port', type: { kind: 'port' }, aliases: ['localport'], sides: SRC, doc: 'listen port, number or service name; default 514, for syslog() tcp and auto 601, udp 514, tls 6514' },
    { name: 'port', type: { kind: 'port' }, aliases: ['destport'], sides: DST, doc: 'port to connect to, number or service name; default 514, for syslog() tcp 601, udp 514, tls 6514' },
    { name: 'localip', type: { kind: 'string' }, sides: DST, doc: 'local address to send from (bound before connecting)' },
    { name: 'localport', type: { kind: 'port' }, default: 0, sides: DST, doc: 'local port to bind before connecting (0 = ephemeral)' },
    {
      name: 'ip-protocol',
      type: { kind: 'int' },
      default: 4,
      check: (v) => (v !== 4 && v !== 6 ? 'ip-protocol option can only be 4 or 6!' : undefined),
      doc: 'address family: 4 or 6 (tcp(), udp() are 4 and tcp6(), udp6() are 6 by their name: another value warns)',
    },
    { name: 'tls', type: { kind: 'block', schema: () => tlsSchema }, doc: 'TLS settings: required by transport(tls), refused with tcp and udp' },
    {
      name: 'keep-alive',
      type: { kind: 'yesno' },
      default: true,
      ignored: noEffectUnless('keep-alive', true, 'a reload keeps the connections of every source and destination it leaves unchanged and closes those of a changed one, whatever keep-alive() says; remove it'),
      doc: 'keep connections open across a reload (logferry keeps those of an unchanged source or destination, always)',
    },
    ...socketRows,
    // sources
    { name: 'max-connections', type: { kind: 'positive-int' }, default: 10, sides: SRC, doc: 'connections open at once; one more is closed at once, before any TLS work, with an error line' },
    { name: 'listen-backlog', type: { kind: 'positive-int' }, default: 255, sides: SRC, doc: 'connections the kernel queues before they are accepted (listen(2) backlog)' },
    { name: 'log-iw-size', type: { kind: 'positive-int' }, sides: SRC, doc: 'flow-control window in messages; default: TCP/TLS 1000 split among max-connections() (at least min-iw-size-per-reader() each), UDP 100' },
    { name: 'log-fetch-limit', type: { kind: 'positive-int' }, default: 10, sides: SRC, doc: 'messages taken from one connection before others get a turn' },
    { name: 'dynamic-window-size', type: { kind: 'non-negative-int' }, default: 0, sides: SRC, unsupported: notImplementedUnless('dynamic-window-size', 0), doc: 'extra window shared among connections (0 = off; not implemented yet)' },
    { name: 'dynamic-window-stats-freq', type: { kind: 'float' }, default: 1, sides: SRC, ignored: noEffectUnless('dynamic-window-stats-freq', 1, NO_DYNWIN), doc: 'seconds between window samples (no effect without a dynamic window)' },
    { name: 'dynamic-window-realloc-ticks', type: { kind: 'positive-int' }, default: 5, sides: SRC, ignored: noEffectUnless('dynamic-window-realloc-ticks', 5, NO_DYNWIN), doc: 'samples between window redistributions (no effect without a dynamic window)' },
    { name: 'trim-large-messages', type: { kind: 'yesno' }, inherit: 'trim-large-messages', sides: SRC, doc: 'an octet-counted frame over log-msg-size() is cut to it instead of closing the connection' },
    { name: 'idle-timeout', type: { kind: 'non-negative-int' }, default: 0, sides: SRC, doc: 'close a connection idle for this many seconds (0 = never)' },
    { name: 'flags', type: { kind: 'flags', values: SOURCE_FLAGS, noEffect: SOURCE_FLAGS_NO_EFFECT }, default: [], sides: SRC, doc: 'how received messages are parsed (no-parse, syslog-protocol, …)' },
    ...hostnameRows.map((r) => ({ ...r, sides: SRC })),
    ...sourceMessageRows.map((r) => ({ ...r, sides: SRC })),
    {
      name: 'ebpf',
      type: { kind: 'opaque' },
      sides: SRC,
      unsupported: () => 'logferry cannot honour ebpf(): Node.js cannot attach eBPF programs; use so-reuseport(yes)',
      doc: 'eBPF load balancing (not available on Node.js)',
    },
    // destinations
    { name: 'time-reopen', type: { kind: 'positive-int' }, inherit: 'time-reopen', sides: DST, doc: 'seconds to wait before reconnecting after a failed or broken connection' },
    { name: 'failover', type: { kind: 'block', schema: () => failoverSchema }, sides: DST, doc: 'servers() to try when the primary fails, optional failback()' },
    {
      name: 'failover-servers',
      type: { kind: 'string-list' },
      sides: DST,
      obsolete: [{ name: 'failover-servers', change: 'failover(servers())' }],
      moveTo: ['failover', 'servers'],
      doc: 'deprecated form of failover(servers())',
    },
    {
      name: 'max-connection-lifetime',
      type: { kind: 'non-negative-int' },
      default: 0,
      sides: DST,
      doc: 'logferry extension (syslog-ng has no such option): seconds after which a connection is ended cleanly, its written messages flushed, and a new one opened at once, each lifetime spread by ±10 %, so long-lived senders pick up rotated certificates, DNS changes and new receivers behind a balancer; 0 = never (TCP and TLS only)',
    },
    { name: 'close-on-input', type: { kind: 'yesno' }, default: true, sides: DST, doc: 'data sent by the server closes the connection, which is then reopened (no: the data is ignored)' },
    { name: 'flags', type: { kind: 'flags', values: DESTINATION_FLAGS, noEffect: DESTINATION_FLAGS_NO_EFFECT }, default: [], sides: DST, doc: 'how messages are formatted (syslog-protocol, no-multi-line, …)' },
    ...destinationFormatRows.map((r) => ({ ...r, sides: DST })),
    {
      name: 'disk-buffer',
      type: { kind: 'block', schema: () => diskBufferSchema },
      sides: DST,
      doc: 'keep messages in a crash-safe buffer on disk until the receiver has them (TCP and TLS; disk-buf-size() is required); a plain syslog receiver gets them with a resend window (docs/disk-buffer.md)',
    },
    {
      name: 'spoof-source',
      type: { kind: 'yesno' },
      default: false,
      sides: DST,
      unsupported: unsupportedUnless('spoof-source', false, 'Node.js has no raw sockets'),
      doc: 'send UDP with the original sender address (not available on Node.js)',
    },
    {
      name: 'spoof-source-max-msglen',
      type: { kind: 'positive-int' },
      default: 1024,
      sides: DST,
      ignored: noEffectUnless('spoof-source-max-msglen', 1024, 'it only applies with spoof-source(yes), which Node.js cannot do; remove it'),
      doc: 'message size limit with spoof-source() (no effect on Node.js)',
    },
  ];
  if (withTransport) {
    rows.unshift({ name: 'transport', type: { kind: 'string' }, default: 'tcp', doc: 'tcp, udp or tls; sources also auto, text-with-nuls, nul-terminated, and proxied-tcp, proxied-udp, proxied-tls, proxied-tls-passthrough (a PROXY protocol header from a load balancer gives ${SOURCEIP}, ${SOURCEPORT}, ${DESTIP}, ${DESTPORT}; a connection without one is closed)' });
  }
  return rows;
}

const positional = {
  destination: { min: 1, max: 1, what: 'host name' },
} as const;

export const networkSchema: OptionSchema = { name: 'network()', rows: inetRows(true), positional };
export const syslogSchema: OptionSchema = { name: 'syslog()', rows: inetRows(true), positional };
/** tcp(), tcp6(), udp(), udp6(): transport is fixed by the driver name */
export const legacyInetSchema: OptionSchema = { name: 'tcp()', rows: inetRows(false), positional };
