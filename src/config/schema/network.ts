/**
 * `network()`, `syslog()` and the older `tcp()`, `tcp6()`, `udp()`, `udp6()`
 * (drivers.md §1–3, §7, §9, §11). One table serves both sides; `sides` says
 * where a row is valid.
 */
import type { OptionRow, OptionSchema } from './types.ts';
import { tlsSchema } from './tls.ts';
import { DESTINATION_FLAGS, DESTINATION_FLAGS_NO_EFFECT, SOURCE_FLAGS, SOURCE_FLAGS_NO_EFFECT, destinationFormatRows, hostnameRows, noEffectUnless, notImplementedUnless, sourceMessageRows, unsupportedUnless } from './common.ts';

const SRC = ['source'] as const;
const DST = ['destination'] as const;

export const failbackSchema: OptionSchema = {
  name: 'failback()',
  rows: [
    { name: 'tcp-probe-interval', type: { kind: 'positive-int' }, default: 60, doc: 'seconds between TCP probes of the primary server' },
    { name: 'successful-probes-required', type: { kind: 'positive-int' }, default: 3, doc: 'consecutive successful probes before returning to the primary' },
  ],
};

export const failoverSchema: OptionSchema = {
  name: 'failover()',
  rows: [
    { name: 'servers', type: { kind: 'string-list' }, default: [], doc: 'failover servers, tried in order after the primary' },
    { name: 'failback', type: { kind: 'block', schema: () => failbackSchema }, doc: 'return to the primary once it is reachable again' },
  ],
};

const socketRows: OptionRow[] = [
  // so-rcvbuf, so-sndbuf, tcp-keepalive-intvl/-probes, ip-ttl and so-broadcast depend on the transport: finalize.ts warns where Node cannot apply them
  { name: 'so-rcvbuf', type: { kind: 'non-negative-int' }, default: 0, doc: 'SO_RCVBUF in bytes (0 = kernel default; UDP sources only on Node.js)' },
  { name: 'so-sndbuf', type: { kind: 'non-negative-int' }, default: 0, doc: 'SO_SNDBUF in bytes (0 = kernel default; UDP destinations only on Node.js)' },
  { name: 'so-keepalive', type: { kind: 'yesno' }, default: true, aliases: ['tcp-keepalive', 'tcp-keep-alive'], doc: 'SO_KEEPALIVE on TCP sockets' },
  { name: 'tcp-keepalive-time', type: { kind: 'non-negative-int' }, default: 60, doc: 'seconds of idle before keepalive probes' },
  {
    name: 'tcp-keepalive-intvl',
    type: { kind: 'non-negative-int' },
    default: 10,
    doc: 'seconds between keepalive probes (kernel setting on Node.js)',
  },
  { name: 'tcp-keepalive-probes', type: { kind: 'non-negative-int' }, default: 6, doc: 'keepalive probes before the connection is dropped (kernel setting on Node.js)' },
  { name: 'so-reuseport', type: { kind: 'yesno' }, default: false, doc: 'SO_REUSEPORT on the listener' },
  { name: 'so-broadcast', type: { kind: 'yesno' }, default: false, doc: 'SO_BROADCAST on UDP sockets (send to broadcast addresses)' },
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
    doc: 'TTL of sent UDP packets (0 = system default)',
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
    { name: 'port', type: { kind: 'port' }, aliases: ['localport'], sides: SRC, doc: 'listen port (number or service name; default depends on transport)' },
    { name: 'port', type: { kind: 'port' }, aliases: ['destport'], sides: DST, doc: 'remote port (number or service name; default depends on transport)' },
    { name: 'localip', type: { kind: 'string' }, sides: DST, doc: 'local address to bind before connecting' },
    { name: 'localport', type: { kind: 'port' }, default: 0, sides: DST, doc: 'local port to bind before connecting (0 = ephemeral)' },
    {
      name: 'ip-protocol',
      type: { kind: 'int' },
      default: 4,
      check: (v) => (v !== 4 && v !== 6 ? 'ip-protocol option can only be 4 or 6!' : undefined),
      doc: 'address family: 4 or 6',
    },
    { name: 'tls', type: { kind: 'block', schema: () => tlsSchema }, doc: 'TLS settings (needs a TLS transport)' },
    {
      name: 'keep-alive',
      type: { kind: 'yesno' },
      default: true,
      ignored: noEffectUnless('keep-alive', true, 'logferry does not reload its configuration (SIGHUP), so there is no reload to close connections at; remove it'),
      doc: 'keep connections open across a reload (logferry does not reload)',
    },
    ...socketRows,
    // sources
    { name: 'max-connections', type: { kind: 'positive-int' }, default: 10, sides: SRC, doc: 'concurrent connections accepted' },
    { name: 'listen-backlog', type: { kind: 'positive-int' }, default: 255, sides: SRC, doc: 'listen(2) backlog' },
    { name: 'log-iw-size', type: { kind: 'positive-int' }, sides: SRC, doc: 'initial window: stream 1000 (divided among max-connections), UDP 100' },
    { name: 'log-fetch-limit', type: { kind: 'positive-int' }, default: 10, sides: SRC, doc: 'messages read per connection per poll' },
    { name: 'dynamic-window-size', type: { kind: 'non-negative-int' }, default: 0, sides: SRC, unsupported: notImplementedUnless('dynamic-window-size', 0), doc: 'extra window shared among connections (0 = off; not implemented yet)' },
    { name: 'dynamic-window-stats-freq', type: { kind: 'float' }, default: 1, sides: SRC, ignored: noEffectUnless('dynamic-window-stats-freq', 1, NO_DYNWIN), doc: 'seconds between window samples (no effect without a dynamic window)' },
    { name: 'dynamic-window-realloc-ticks', type: { kind: 'positive-int' }, default: 5, sides: SRC, ignored: noEffectUnless('dynamic-window-realloc-ticks', 5, NO_DYNWIN), doc: 'samples between window redistributions (no effect without a dynamic window)' },
    { name: 'trim-large-messages', type: { kind: 'yesno' }, inherit: 'trim-large-messages', sides: SRC, doc: 'cut oversized frames instead of closing the connection' },
    { name: 'idle-timeout', type: { kind: 'non-negative-int' }, default: 0, sides: SRC, doc: 'close a connection idle for this many seconds (0 = never)' },
    { name: 'flags', type: { kind: 'flags', values: SOURCE_FLAGS, noEffect: SOURCE_FLAGS_NO_EFFECT }, default: [], sides: SRC, doc: 'parsing flags (no-parse, syslog-protocol, …)' },
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
    { name: 'time-reopen', type: { kind: 'positive-int' }, inherit: 'time-reopen', sides: DST, doc: 'seconds before reconnecting' },
    { name: 'failover', type: { kind: 'block', schema: () => failoverSchema }, sides: DST, doc: 'servers() to try when the primary fails, optional failback()' },
    {
      name: 'failover-servers',
      type: { kind: 'string-list' },
      sides: DST,
      obsolete: [{ name: 'failover-servers', change: 'failover(servers())' }],
      moveTo: ['failover', 'servers'],
      doc: 'deprecated form of failover(servers())',
    },
    { name: 'close-on-input', type: { kind: 'yesno' }, default: true, sides: DST, doc: 'reconnect when the server sends data' },
    { name: 'flags', type: { kind: 'flags', values: DESTINATION_FLAGS, noEffect: DESTINATION_FLAGS_NO_EFFECT }, default: [], sides: DST, doc: 'output flags (syslog-protocol, no-multi-line, …)' },
    ...destinationFormatRows.map((r) => ({ ...r, sides: DST })),
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
    rows.unshift({ name: 'transport', type: { kind: 'string' }, default: 'tcp', doc: 'tcp, udp, tls, auto, proxied-tcp, proxied-tls, …' });
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
