/**
 * network() and syslog() sources (and the legacy tcp()/udp() spellings):
 * one listener, one StreamReader per connection. The two drivers differ only
 * in framing, default parse flags and the ${TRANSPORT} name.
 */
import type { DriverDecl } from '../config/plan.ts';
import { optBlock, optBool, optNumber, optString } from '../config/plan-access.ts';
import { tlsOptionsFromBlock } from '../config/tls-block.ts';
import { LocatedError } from '../core/location.ts';
import { DEFAULT_PARSE_FLAGS, ParseFlag } from '../syslog/parse.ts';
import { certFactsToValues } from '../tls/cert-facts.ts';
import type { TlsEndpoint } from '../tls/types.ts';
import { createStreamListener, type StreamListener, type StreamTransport } from '../transport/stream-listener.ts';
import { createDgramListener, type DgramListener } from '../transport/dgram-listener.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';
import { converterFor, hostRulesFor, pidOverrideFor, maxMsgSize, parseOptionsFor, tagsFor, type SourceEnv } from './common.ts';
import { StreamReader, buildMessage, localizedHostRules, type FramingKind, type ReaderOptions } from './reader.ts';
import { decodeDatagram } from '../syslog/framing/datagram.ts';
import { cachedName, dnsCacheSettings, reverseLookup } from './dns-cache.ts';

/** ${TRANSPORT} per driver and transport (drivers.md §2) */
function transportName(driver: 'network' | 'syslog', transport: string): string {
  if (driver === 'network') return 'bsdsyslog+' + transport;
  switch (transport) {
    case 'tcp':
      return 'rfc6587';
    case 'tls':
      return 'rfc5425';
    case 'udp':
      return 'rfc5426';
    default:
      return 'rfc5424+' + transport;
  }
}

function framingFor(driver: 'network' | 'syslog', transport: string): FramingKind {
  if (transport === 'auto') return 'auto';
  if (transport === 'text-with-nuls' || transport === 'nul-terminated') return transport;
  return driver === 'syslog' ? 'octet-counted' : 'newline';
}

export function createNetworkSource(d: DriverDecl, env: SourceEnv, name: string): SourceDriver {
  const b = d.options;
  const driver: 'network' | 'syslog' = d.driver === 'syslog' ? 'syslog' : 'network';
  const transport = optString(b, 'transport') ?? 'tcp';
  if (transport.startsWith('proxied-')) throw new LocatedError(`transport(${transport}) (PROXY protocol) is not implemented by logferry yet`, b.locs['transport'] ?? d.loc);
  if (!['tcp', 'udp', 'tls', 'auto', 'text-with-nuls', 'nul-terminated'].includes(transport)) {
    throw new LocatedError(`Unknown value specified in the transport() option, no such LogProto plugin found; transport='${transport}'`, b.locs['transport'] ?? d.loc);
  }
  const parse = parseOptionsFor(d, env, driver === 'syslog' ? DEFAULT_PARSE_FLAGS | ParseFlag.SYSLOG_PROTOCOL : DEFAULT_PARSE_FLAGS);
  const tlsBlock = optBlock(b, 'tls');
  let endpoint: TlsEndpoint | undefined;
  if (tlsBlock && transport !== 'udp') {
    try {
      endpoint = env.tlsEndpoint('server', tlsOptionsFromBlock(tlsBlock), tlsBlock.loc);
    } catch (err) {
      throw new LocatedError((err as Error).message, tlsBlock.loc);
    }
  }
  const ipProtocol = (optNumber(b, 'ip-protocol') ?? 4) as 4 | 6;
  const maxConnections = optNumber(b, 'max-connections') ?? 10;
  const iw = optNumber(b, 'log-iw-size') ?? (transport === 'udp' ? 100 : 1000);
  const minIw = optNumber(env.globals, 'min-iw-size-per-reader') ?? 100;
  const window = transport === 'udp' ? iw : Math.max(Math.floor(iw / maxConnections), minIw);
  const useDns = (optString(b, 'use-dns') ?? 'yes') !== 'no';
  const dnsCacheOpts = dnsCacheSettings(d, env);
  const base: Omit<ReaderOptions, 'sourceName' | 'values' | 'sender'> = {
    framing: framingFor(driver, transport),
    maxMsgSize: maxMsgSize(d, env),
    trimLargeMessages: optBool(b, 'trim-large-messages') ?? false,
    emptyLines: (parse.flags & ParseFlag.EMPTY_LINES) !== 0,
    parse,
    hostRules: hostRulesFor(d, name),
    window,
    fetchLimit: optNumber(b, 'log-fetch-limit') ?? 10,
    tags: tagsFor(d, name),
    local: false,
    congestion: env.congestion,
    convert: converterFor(d),
    pidOverride: pidOverrideFor(d, env),
  };
  const trName = transportName(driver, transport);
  const written = (k: string) => (b.locs[k] ? optNumber(b, k) : undefined);
  const common = {
    ip: optString(b, 'ip'),
    port: optNumber(b, 'port') ?? 514,
    ipProtocol,
    soReuseport: optBool(b, 'so-reuseport') ?? false,
    location: d.loc,
    groupName: name,
  };

  const effective = { transport, base, common, useDns, dnsCache: dnsCacheOpts };

  if (transport === 'udp') {
    let listener: DgramListener | undefined;
    const soRcvbuf = written('so-rcvbuf');
    return {
      name,
      effective: { ...effective, soRcvbuf },
      async start(route: Route) {
        if (env.dryRun) return;
        const ipProto = ipProtocol === 6 ? '6' : '4';
        const recipe = { ...base, sourceName: name };
        const pending = new Set<string>();
        const hostRules = localizedHostRules(recipe);
        listener = await createDgramListener({ ...common, soRcvbuf }, (buf, rinfo, local) => {
          decodeDatagram(buf, { maxMsgSize: base.maxMsgSize }, (fb, s, e) => {
            const values: Array<[string, string]> = [
              ['SOURCEIP', rinfo.address],
              ['SOURCEPORT', String(rinfo.port)],
              ['DESTIP', local.address],
              ['DESTPORT', String(local.port)],
              ['PROTO', '17'],
              ['IP_PROTO', ipProto],
              ['TRANSPORT', trName],
            ];
            // a datagram is not held back for DNS: the first ones from a new sender carry its address
            const known = useDns ? cachedName(rinfo.address, dnsCacheOpts) : undefined;
            if (useDns && known === undefined && !pending.has(rinfo.address)) {
              pending.add(rinfo.address);
              void reverseLookup(rinfo.address, dnsCacheOpts).finally(() => pending.delete(rinfo.address));
            }
            const sender = { ip: rinfo.address, resolvedName: known };
            const msg = buildMessage(recipe, hostRules, fb, s, e, values, sender);
            route(msg);
          });
        });
      },
      async stop() {
        await listener?.close();
      },
    };
  }

  let listener: StreamListener | undefined;
  const streamOpts = {
    ...common,
    transport: (transport === 'tls' ? 'tls' : transport === 'auto' ? 'auto' : 'tcp') as StreamTransport,
    tls: endpoint,
    maxConnections,
    listenBacklog: optNumber(b, 'listen-backlog') ?? 255,
    idleTimeout: optNumber(b, 'idle-timeout') ?? 0,
    soKeepalive: optBool(b, 'so-keepalive') ?? true,
    tcpKeepaliveTime: optNumber(b, 'tcp-keepalive-time') ?? 60,
  };
  return {
    name,
    effective: { ...effective, ...streamOpts },
    async start(route: Route) {
      if (env.dryRun) return;
      listener = await createStreamListener(
        streamOpts,
        {
          onConnection(conn) {
            const values: Array<[string, string]> = [
              ['SOURCEIP', conn.peer.address],
              ['SOURCEPORT', String(conn.peer.port)],
              ['DESTIP', conn.local.address],
              ['DESTPORT', String(conn.local.port)],
              ['PROTO', '6'],
              ['IP_PROTO', conn.peer.family === 'IPv6' && !conn.peer.address.startsWith('::ffff:') ? '6' : '4'],
              ['TRANSPORT', trName],
            ];
            if (conn.tls?.peer) values.push(...certFactsToValues(conn.tls.peer));
            const sender = { ip: conn.peer.address, resolvedName: undefined as string | undefined };
            const reader = new StreamReader({ ...base, sourceName: name, values, sender }, route, {
              pause: () => conn.pause(),
              resume: () => conn.resume(),
            });
            if (useDns) {
              // hold the first bytes until the sender's name is known, so every message gets the same HOST
              conn.pause();
              void reverseLookup(conn.peer.address, dnsCacheOpts).then((n) => {
                sender.resolvedName = n;
                conn.resume();
              });
            }
            return {
              onData(chunk) {
                if (!reader.push(chunk)) conn.destroy();
              },
              onClose() {
                reader.end();
              },
            };
          },
        },
      );
    },
    async stop() {
      await listener?.close();
    },
  };
}

