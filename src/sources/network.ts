/**
 * network() and syslog() sources (and the legacy tcp()/udp() spellings):
 * one listener, one StreamReader per connection. The two drivers differ only
 * in framing, default parse flags and the ${TRANSPORT} name.
 */
import type { NetworkSourceSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import { DEFAULT_PARSE_FLAGS, ParseFlag } from '../syslog/parse.ts';
import { certFactsToValues } from '../tls/cert-facts.ts';
import type { TlsEndpoint } from '../tls/types.ts';
import { createStreamListener, type StreamListener, type StreamListenerOptions } from '../transport/stream-listener.ts';
import { createDgramListener, type DgramListener, type DgramListenerOptions } from '../transport/dgram-listener.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';
import { converterFor, hostRulesFor, pidOverrideFor, parseOptionsFor, tagsFor, type SourceEnv } from './common.ts';
import { StreamReader, buildMessage, localizedHostRules, type ReaderOptions } from './reader.ts';
import { decodeDatagram } from '../syslog/framing/datagram.ts';
import { cachedName, dnsCacheSettings, reverseLookup } from './dns-cache.ts';
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
        listener = await createDgramListener(dgramListenerOptions(s, name), (buf, rinfo, local) => {
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
                void reverseLookup(conn.peer.address, dnsCacheOpts).then((n) => {
                  sender.resolvedName = n;
                  conn.resume();
                });
              }
              return { onData: (chunk) => ack.push(chunk), onClose: () => ack.close() };
            }
            const reader = new StreamReader({ ...base, sourceName: name, values, sender }, route, {
              pause: () => conn.pause(),
              resume: () => conn.resume(),
              abort: () => conn.destroy(),
              ended: () => readers.delete(reader),
            });
            readers.add(reader);
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
  };
}

