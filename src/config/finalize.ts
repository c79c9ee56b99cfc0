/**
 * Per-driver rules that depend on several options at once: the effective
 * transport, per-transport default ports (drivers.md §2), the TLS transport
 * gate (tls-options.md §2), and template escaping.
 */
import type { SourceLocation } from '../core/location.ts';
import type { OptionBlock } from './plan.ts';
import type { DriverInfo } from './schema/index.ts';
import { notImplementedText, transportRow, type TransportRow } from './transports.ts';
import type { Side } from './schema/types.ts';
import type { OptionContext } from './options.ts';
import { isBlock } from './options.ts';
import { versionCompare } from './preprocess.ts';
import { MIN_DISK_BUF_SIZE } from './schema/disk-buffer.ts';

/** Default port of a driver/transport pair (drivers.md §2); `version` is the config's @version. */
export function defaultPort(driver: string, t: TransportRow, version: string | undefined): number {
  if (driver !== 'syslog') return t.port.network;
  if (version && versionCompare(version, '3.3') < 0 && t.legacySyslogPort !== undefined) return t.legacySyslogPort;
  return t.port.syslog;
}

export interface FinalizeInput {
  info: DriverInfo;
  written: string;
  side: Side;
  loc: SourceLocation;
  options: OptionBlock;
  version: string | undefined;
  ctx: OptionContext;
}

/** network(), syslog(), tcp(), tcp6(), udp(), udp6() */
export function finalizeInet(d: FinalizeInput): void {
  const v = d.options.values;
  const locs = d.options.locs;
  let transport: string;
  if (d.info.fixed) {
    transport = d.info.fixed.transport;
    if (locs['ip-protocol'] !== undefined && v['ip-protocol'] !== d.info.fixed.ipProtocol) {
      d.ctx.warn(locs['ip-protocol'], `ip-protocol(${String(v['ip-protocol'])}) is accepted but has no effect here: ${d.written}() is IPv${d.info.fixed.ipProtocol} by its name; use ${d.info.fixed.ipProtocol === 4 ? `${d.written}6()` : d.written.replace(/6$/, '')} or network(ip-protocol(...))`);
    }
    v['ip-protocol'] = d.info.fixed.ipProtocol;
  } else {
    transport = String(v.transport).replace(/_/g, '-');
  }
  const at = locs.transport ?? d.loc;
  const t = transportRow(transport);
  if (!t) throw d.ctx.error(at, `Unknown value specified in the transport() option, no such LogProto plugin found; transport='${transport}'`);
  if (d.side === 'destination' && t.sourceOnly) throw d.ctx.error(at, `transport(${transport}) is only available in sources`);
  // refused here rather than when the source is built, so -s says it too (even for a source no log path uses)
  const refused = notImplementedText(t);
  if (refused) throw d.ctx.error(at, refused);
  v.transport = transport;

  const tls = v.tls;
  if (t.tls === 'required' && !isBlock(tls)) {
    throw d.ctx.error(at, `transport(${transport}) was specified, but tls() options missing`);
  }
  if (t.tls === 'forbidden' && isBlock(tls)) {
    throw d.ctx.error(locs.tls ?? tls.loc, `tls() options specified for a transport that doesn't allow TLS encryption; transport='${transport}'`);
  }

  if (v.port === undefined) {
    const port = defaultPort(d.info.canonical, t, d.version);
    if (d.info.canonical === 'syslog' && port !== t.port.syslog) {
      d.ctx.warn(d.loc, `syslog() driver with transport(${transport}) uses port ${port} because of the @version < 3.3 configuration; set port() explicitly`);
    }
    v.port = port;
  }

  const udp = t.socket === 'datagram';
  warnSocketOptions(d, udp);
  if (d.side === 'destination' && locs['local-time-zone'] !== undefined) {
    d.ctx.warn(locs['local-time-zone'], `local-time-zone(${String(v['local-time-zone'])}) is accepted but has no effect here: it applies to file names of file() destinations only`);
  }

  if (d.side === 'source') {
    if (v.ip === undefined) v.ip = v['ip-protocol'] === 6 ? '::' : '0.0.0.0';
    // stream sources split this window among max-connections(); UDP has one "connection"
    if (v['log-iw-size'] === undefined) v['log-iw-size'] = udp ? 100 : 1000;
  } else {
    if (v['truncate-size'] === undefined && t.maxPayload !== undefined) v['truncate-size'] = t.maxPayload;
    if (isBlock(v.failover) && udp) {
      d.ctx.warn(locs.failover ?? d.loc, 'failover() is not meaningful with transport(udp): UDP has no failure detection');
    }
    if (isBlock(v['disk-buffer'])) finalizeDiskBuffer(d, v['disk-buffer'], udp, transport);
  }
  finalizeTemplate(d.options);
}

/**
 * disk-buffer(): AxoSyslog 4.27 refuses to create a queue file without a
 * size (capacity-bytes for new disk-queue files must be set, at start); here
 * the same at compile time, with the option's location. A size under 1MiB
 * warns and is raised to it, as there.
 */
function finalizeDiskBuffer(d: FinalizeInput, b: OptionBlock, udp: boolean, transport: string): void {
  const at = d.options.locs['disk-buffer'] ?? b.loc;
  if (udp) throw d.ctx.error(at, `disk-buffer() with transport(${transport}) is not implemented by logferry yet; use transport(tcp) or transport(tls), or remove disk-buffer()`);
  const size = b.values['disk-buf-size'];
  if (typeof size !== 'number') throw d.ctx.error(at, 'disk-buffer() needs disk-buf-size(), the most bytes its files may take (at least 1MiB), e.g. disk-buf-size(1GiB)');
  if (size < MIN_DISK_BUF_SIZE) {
    d.ctx.warn(b.locs['disk-buf-size'] ?? at, `disk-buf-size(${size}) is smaller than the minimum of 1MiB; ${MIN_DISK_BUF_SIZE} bytes are used, as AxoSyslog does`);
    b.values['disk-buf-size'] = MIN_DISK_BUF_SIZE;
  }
}

/**
 * Socket options whose effect depends on the transport and side. Node sets
 * SO_RCVBUF/SO_SNDBUF, TTL and SO_BROADCAST only on UDP sockets, and neither
 * TCP_KEEPINTVL nor TCP_KEEPCNT anywhere: written there, they are accepted
 * (stock configs still run) with one warning each, here at compile time so
 * `-s` and a start print the same.
 */
function warnSocketOptions(d: FinalizeInput, udp: boolean): void {
  const v = d.options.values;
  const written = (name: string, isDefault: (x: unknown) => boolean) => d.options.locs[name] !== undefined && !isDefault(v[name]);
  const zero = (x: unknown) => x === 0 || x === false;
  const warn = (name: string, why: string) => d.ctx.warn(d.options.locs[name], `${name}(${String(v[name] === true ? 'yes' : v[name])}) is accepted but has no effect here: ${why}`);
  const side = d.side === 'source' ? 'source' : 'destination';
  if (side === 'destination') {
    if (written('so-reuseport', zero)) warn('so-reuseport', 'SO_REUSEPORT only applies to listening sockets (sources)');
  }
  if (!udp) {
    const nodeCannot = 'Node.js cannot set it on TCP sockets, the kernel default is used';
    if (written('so-rcvbuf', zero)) warn('so-rcvbuf', nodeCannot);
    if (written('so-sndbuf', zero)) warn('so-sndbuf', nodeCannot);
    if (written('tcp-keepalive-intvl', () => false)) warn('tcp-keepalive-intvl', 'Node.js cannot set TCP_KEEPINTVL, the kernel default (net.ipv4.tcp_keepalive_intvl) is used');
    if (written('tcp-keepalive-probes', () => false)) warn('tcp-keepalive-probes', 'Node.js cannot set TCP_KEEPCNT, the kernel default (net.ipv4.tcp_keepalive_probes) is used');
    if (written('ip-ttl', zero)) warn('ip-ttl', `${nodeCannot}; it applies to transport(udp)`);
    if (written('so-broadcast', zero)) warn('so-broadcast', 'SO_BROADCAST only applies to transport(udp)');
    return;
  }
  for (const name of ['so-keepalive', 'tcp-keepalive-time', 'tcp-keepalive-intvl', 'tcp-keepalive-probes']) {
    if (written(name, () => false)) warn(name, 'TCP keepalive does not apply to transport(udp)');
  }
  if (side === 'source') {
    if (d.options.locs['dns-cache'] !== undefined && v['dns-cache'] === false && v['use-dns'] !== 'no') {
      // each datagram is routed at once; without a cache no name is ever ready for it
      d.ctx.warn(d.options.locs['dns-cache'], 'dns-cache(no) with transport(udp): logferry does not hold datagrams for DNS, so without the cache UDP messages carry the sender address, not its name; use dns-cache(yes) or use-dns(no)');
    }
    if (written('so-sndbuf', zero)) warn('so-sndbuf', 'a UDP source sends nothing');
    if (written('ip-ttl', zero)) warn('ip-ttl', 'a UDP source sends nothing');
    if (written('so-broadcast', zero)) warn('so-broadcast', 'a UDP source receives broadcasts without it');
  } else {
    if (written('so-rcvbuf', zero)) warn('so-rcvbuf', 'a UDP destination receives nothing');
    if (written('max-connection-lifetime', zero)) warn('max-connection-lifetime', 'transport(udp) has no connection to renew');
  }
}

/** stdout() has no file name, so local-time-zone() changes nothing there */
export function warnStdoutOptions(options: OptionBlock, ctx: OptionContext): void {
  const at = options.locs['local-time-zone'];
  if (at) ctx.warn(at, `local-time-zone(${String(options.values['local-time-zone'])}) is accepted but has no effect here: it applies to file names of file() destinations only`);
}

/** file() and stdin() messages come from this host: there is no sender address to resolve */
export function warnLocalSourceOptions(options: OptionBlock, ctx: OptionContext): void {
  const at = options.locs['dns-cache'];
  if (at) ctx.warn(at, `dns-cache(${options.values['dns-cache'] ? 'yes' : 'no'}) is accepted but has no effect here: local sources have no sender address to resolve`);
}

/** A destination's own template-escape(yes) applies to its template. */
export function finalizeTemplate(options: OptionBlock): void {
  const t = options.values.template;
  if (typeof t === 'object' && !Array.isArray(t) && t.kind === 'template' && options.values['template-escape'] === true) {
    t.escape = true;
  }
}
