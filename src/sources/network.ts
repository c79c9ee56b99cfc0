/**
 * network() and syslog() sources (and the legacy tcp()/udp() spellings):
 * one listener, one StreamReader per connection. The two drivers differ only
 * in framing, default parse flags and the ${TRANSPORT} name.
 */
import type { NetworkSourceSettings } from '../config/settings/index.ts';
import { LocatedError, formatLocation } from '../core/location.ts';
import { DEFAULT_PARSE_FLAGS, ParseFlag } from '../syslog/parse.ts';
import { certFactsToValues } from '../tls/cert-facts.ts';
import type { TlsEndpoint } from '../tls/types.ts';
import { createStreamListener, type StreamListener, type StreamListenerOptions } from '../transport/stream-listener.ts';
import { createDgramListener, type DgramListener, type DgramListenerOptions } from '../transport/dgram-listener.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';
import { converterFor, hostRulesFor, pidOverrideFor, parseOptionsFor, tagsFor, type SourceEnv } from './common.ts';
import { StreamReader, buildMessage, localizedHostRules, type ReaderOptions } from './reader.ts';
import { decodeDatagram } from '../syslog/framing/datagram.ts';
import { unwrapProxyDatagram } from '../transport/proxy-datagram.ts';
import { cachedName, dnsCacheSettings, reverseLookup } from './dns-cache.ts';
import { hostsSeen } from './hosts-seen.ts';
import { ACK_PROTOCOL_ALPN } from '../syslog/framing/ack-protocol.ts';
import { currentAckLedger } from '../pipeline/ack-ledger.ts';
import { AckReceiver } from './ack-receiver.ts';

/**
 * Records an acknowledging connection may have routed and not yet written:
 * at least this many, whatever log-iw-size() gives each connection, since the
 * sender waits for acks that come only after the destinations' writes.
 */
const ACK_MIN_WINDOW = 1000;

/** where and how a source listens, whatever its socket */
function listenAt(s: NetworkSourceSettings, name: string) {
  return { ip: s.ip, port: s.port, ipProtocol: s.ipProtocol, soReuseport: s.soReuseport, location: s.loc, groupName: name };
}

/** the listener a stream source's settings ask for (tests of transport/ start from these too) */
export function streamListenerOptions(s: NetworkSourceSettings, name: string, tls: TlsEndpoint | undefined): StreamListenerOptions {
  return {
    ...listenAt(s, name),
    transport: s.transport.listen,
    tls,
    maxConnections: s.maxConnections,
    listenBacklog: s.listenBacklog,
    idleTimeout: s.idleTimeout,
    soKeepalive: s.soKeepalive,
    tcpKeepaliveTime: s.tcpKeepaliveTime,
    proxy: s.transport.proxy,
  };
}

/** the listener a datagram source's settings ask for */
export function dgramListenerOptions(s: NetworkSourceSettings, name: string): DgramListenerOptions {
  return { ...listenAt(s, name), soRcvbuf: s.soRcvbuf };
}

export function createNetworkSource(driver: string, s: NetworkSourceSettings, env: SourceEnv, name: string): SourceDriver {
  const transport = s.transport.name;
  const datagram = s.transport.socket === 'datagram';
  const parse = parseOptionsFor(s, env, driver === 'syslog' ? DEFAULT_PARSE_FLAGS | ParseFlag.SYSLOG_PROTOCOL : DEFAULT_PARSE_FLAGS);
  let endpoint: TlsEndpoint | undefined;
  if (s.tls && !datagram) {
    const at = s.where.tls ?? s.loc;
    try {
      endpoint = env.tlsEndpoint('server', s.tls, at);
    } catch (err) {
      throw new LocatedError((err as Error).message, at);
    }
  }
  const ipProtocol = s.ipProtocol;
  const maxConnections = s.maxConnections;
  const iw = s.logIwSize;
  const window = datagram ? iw : Math.max(Math.floor(iw / maxConnections), s.minIwSizePerReader);
  const useDns = s.useDns !== 'no';
  const dnsCacheOpts = dnsCacheSettings(s);
  const base: Omit<ReaderOptions, 'sourceName' | 'values' | 'sender'> = {
    framing: s.transport.framing,
    maxMsgSize: s.logMsgSize,
    trimLargeMessages: s.trimLargeMessages,
    emptyLines: (parse.flags & ParseFlag.EMPTY_LINES) !== 0,
    parse,
    hostRules: hostRulesFor(s, name),
    window,
    fetchLimit: s.logFetchLimit,
    tags: tagsFor(s, name),
    local: false,
    congestion: env.congestion,
    convert: converterFor(s),
    pidOverride: pidOverrideFor(s, env),
  };
  const trName = s.transport.macro;
  const common = listenAt(s, name);

  const effective = { transport, base, common, useDns, dnsCache: dnsCacheOpts };
  /** bytes read from sockets, for /metrics: a plain number, added per chunk or datagram */
  let receivedBytes = 0;

  if (datagram) {
    let listener: DgramListener | undefined;
    const soRcvbuf = s.soRcvbuf;
    return {
      name,
      effective: { ...effective, soRcvbuf },
      async start(route: Route) {
        if (env.dryRun) return;
        const ipProto = ipProtocol === 6 ? '6' : '4';
        const recipe = { ...base, sourceName: name };
        const pending = new Set<string>();
        const hostRules = localizedHostRules(recipe);
        const proxied = s.transport.proxy !== 'none';
        const proxyCtx = { group: name, location: s.loc ? formatLocation(s.loc) : undefined };
        listener = await createDgramListener(dgramListenerOptions(s, name), (buf, peer, bound) => {
          receivedBytes += buf.length;
          let rinfo = peer;
          let local = bound;
          let payload = buf;
          let ipP = ipProto;
          if (proxied) {
            // proxied-udp: the header in front of each datagram names the client (as AxoSyslog 4.27)
            const p = unwrapProxyDatagram(buf, peer, bound, proxyCtx);
            if (p === undefined) return;
            rinfo = p.source;
            local = p.destination;
            payload = p.payload;
            ipP = p.source.family === 'IPv6' ? '6' : '4';
          }
          hostsSeen.entry(name, rinfo.address);
          decodeDatagram(payload, { maxMsgSize: base.maxMsgSize }, (fb, s, e) => {
            const values: Array<[string, string]> = [
              ['SOURCEIP', rinfo.address],
              ['SOURCEPORT', String(rinfo.port)],
              ['DESTIP', local.address],
              ['DESTPORT', String(local.port)],
              ['PROTO', '17'],
              ['IP_PROTO', ipP],
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
      receivedBytes: () => receivedBytes,
    };
  }

  let listener: StreamListener | undefined;
  /** readers of connections that may still hold bytes read but not framed (reader.ts) */
  const readers = new Set<StreamReader>();
  const streamOpts = streamListenerOptions(s, name, endpoint);
  return {
    name,
    effective: { ...effective, ...streamOpts },
    async start(route: Route) {
      if (env.dryRun) return;
      // a TLS listener of a process that keeps the ack journal speaks logferry-ack/1 to senders offering it
      const ledger = endpoint ? currentAckLedger() : undefined;
      listener = await createStreamListener(
        ledger ? { ...streamOpts, alpnProtocols: [ACK_PROTOCOL_ALPN] } : streamOpts,
        {
          onConnection(conn) {
            // behind a balancer the PROXY header names the client and the address it connected to (as AxoSyslog 4.27)
            const from = conn.proxied?.source ?? conn.peer;
            const to = conn.proxied?.destination ?? conn.local;
            const values: Array<[string, string]> = [
              ['SOURCEIP', from.address],
              ['SOURCEPORT', String(from.port)],
              ['DESTIP', to.address],
              ['DESTPORT', String(to.port)],
              ['PROTO', '6'],
              ['IP_PROTO', ipProtoOf(from, conn.proxied !== undefined)],
              ['TRANSPORT', trName],
            ];
            if (conn.tls?.peer) values.push(...certFactsToValues(conn.tls.peer));
            const sender = { ip: from.address, resolvedName: undefined as string | undefined };
            if (ledger && conn.tls?.socket.alpnProtocol === ACK_PROTOCOL_ALPN) {
              const recipe = { ...base, sourceName: name };
              const ack = new AckReceiver(
                {
                  recipe,
                  hostRules: localizedHostRules(recipe),
                  framing: base.framing,
                  decoder: { maxMsgSize: base.maxMsgSize, trimLargeMessages: base.trimLargeMessages, emptyLines: base.emptyLines },
                  values,
                  sender,
                  window: Math.max(base.window, ACK_MIN_WINDOW),
                  peer: `${conn.peer.address}:${conn.peer.port}`,
                },
                route,
                ledger,
                { pause: () => conn.pause(), resume: () => conn.resume(), write: (b) => conn.socket.write(b), destroy: () => conn.destroy() },
              );
              if (useDns) {
                conn.pause();
                void reverseLookup(from.address, dnsCacheOpts).then((n) => {
                  sender.resolvedName = n;
                  conn.resume();
                });
              }
              const seenAck = hostsSeen.entry(name, from.address);
              return {
                onData: (chunk) => {
                  receivedBytes += chunk.length;
                  hostsSeen.touch(seenAck);
                  ack.push(chunk);
                },
                onClose: () => ack.close(),
              };
            }
            const reader = new StreamReader({ ...base, sourceName: name, values, sender }, route, {
              pause: () => conn.pause(),
              resume: () => conn.resume(),
              abort: () => conn.destroy(),
              ended: () => readers.delete(reader),
            });
            readers.add(reader);
            // the host's last-seen time outlives the connection (hosts-seen.ts)
            const seen = hostsSeen.entry(name, from.address);
            if (useDns) {
              // hold the first bytes until the sender's name is known, so every message gets the same HOST
              conn.pause();
              void reverseLookup(from.address, dnsCacheOpts).then((n) => {
                sender.resolvedName = n;
                conn.resume();
              });
            }
            return {
              onData(chunk) {
                receivedBytes += chunk.length;
                hostsSeen.touch(seen);
                if (!reader.push(chunk)) conn.destroy();
              },
              onClose(reason) {
                // at our own close (a stop) an unfinished last frame is not a message: the sender never ended it
                if (reason !== 'closed') reader.end();
              },
            };
          },
        },
      );
    },
    async stop() {
      await listener?.close();
      for (const r of readers) r.flush();
      readers.clear();
    },
    openConnections: () => listener?.connectionCount ?? 0,
    receivedBytes: () => receivedBytes,
  };
}

/**
 * ${IP_PROTO}: an accepted IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d and is 4;
 * a PROXY header's family is taken as written (4.27 builds an AF_INET6 address from TCP6).
 */
function ipProtoOf(a: { address: string; family: string }, proxied: boolean): '4' | '6' {
  if (a.family !== 'IPv6') return '4';
  return proxied || !a.address.startsWith('::ffff:') ? '6' : '4';
}
