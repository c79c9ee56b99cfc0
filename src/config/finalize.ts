/**
 * Per-driver rules that depend on several options at once: the effective
 * transport, per-transport default ports (drivers.md §2), the TLS transport
 * gate (tls-options.md §2), and template escaping.
 */
import type { SourceLocation } from '../message/location.ts';
import type { OptionBlock } from './plan.ts';
import type { DriverInfo } from './schema/index.ts';
import { SOURCE_ONLY_TRANSPORTS, TLS_FORBIDDEN_TRANSPORTS, TLS_REQUIRED_TRANSPORTS, TRANSPORTS } from './schema/network.ts';
import type { Side } from './schema/types.ts';
import type { OptionContext } from './options.ts';
import { isBlock } from './options.ts';
import { versionCompare } from './preprocess.ts';

const SYSLOG_PORTS: Record<string, number> = {
  tcp: 601,
  udp: 514,
  tls: 6514,
  'proxied-tcp': 601,
  'proxied-udp': 514,
  'proxied-tls': 601,
  'proxied-tls-passthrough': 601,
  auto: 601,
};

/** Default port of a driver/transport pair (drivers.md §2); `version` is the config's @version. */
export function defaultPort(driver: string, transport: string, version: string | undefined): number {
  if (driver !== 'syslog') return 514;
  if (version && versionCompare(version, '3.3') < 0 && (transport === 'udp' || transport === 'tls')) return 601;
  return SYSLOG_PORTS[transport] ?? 514;
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
    v['ip-protocol'] = d.info.fixed.ipProtocol;
  } else {
    transport = String(v.transport ?? 'tcp').replace(/_/g, '-');
    const at = locs.transport ?? d.loc;
    if (!(TRANSPORTS as readonly string[]).includes(transport)) {
      throw d.ctx.error(at, `Unknown value specified in the transport() option, no such LogProto plugin found; transport='${transport}'`);
    }
    if (d.side === 'destination' && (SOURCE_ONLY_TRANSPORTS as readonly string[]).includes(transport)) {
      throw d.ctx.error(at, `transport(${transport}) is only available in sources`);
    }
  }
  v.transport = transport;

  const tls = v.tls;
  if ((TLS_REQUIRED_TRANSPORTS as readonly string[]).includes(transport) && !isBlock(tls)) {
    throw d.ctx.error(locs.transport ?? d.loc, `transport(${transport}) was specified, but tls() options missing`);
  }
  if ((TLS_FORBIDDEN_TRANSPORTS as readonly string[]).includes(transport) && isBlock(tls)) {
    throw d.ctx.error(locs.tls ?? tls.loc, `tls() options specified for a transport that doesn't allow TLS encryption; transport='${transport}'`);
  }

  if (v.port === undefined) {
    const port = defaultPort(d.info.canonical, transport, d.version);
    if (port === 601 && d.info.canonical === 'syslog' && (transport === 'udp' || transport === 'tls')) {
      d.ctx.warn(d.loc, `syslog() driver with transport(${transport}) uses port 601 because of the @version < 3.3 configuration; set port() explicitly`);
    }
    v.port = port;
  }

  if (d.side === 'source') {
    if (v.ip === undefined) v.ip = v['ip-protocol'] === 6 ? '::' : '0.0.0.0';
    // stream sources split this window among max-connections(); UDP has one "connection"
    if (v['log-iw-size'] === undefined) v['log-iw-size'] = transport === 'udp' || transport === 'proxied-udp' ? 100 : 1000;
  } else {
    if (v['truncate-size'] === undefined && transport === 'udp') v['truncate-size'] = 65507;
    if (isBlock(v.failover) && transport === 'udp') {
      d.ctx.warn(locs.failover ?? d.loc, 'failover() is not meaningful with transport(udp): UDP has no failure detection');
    }
  }
  finalizeTemplate(d.options);
}

/** A destination's own template-escape(yes) applies to its template. */
export function finalizeTemplate(options: OptionBlock): void {
  const t = options.values.template;
  if (typeof t === 'object' && !Array.isArray(t) && t.kind === 'template' && options.values['template-escape'] === true) {
    t.escape = true;
  }
}
