/**
 * A TCP listener for network()/syslog() sources: plain, TLS, or auto (TLS or
 * plain decided per connection from the first byte).
 *
 * Order per accepted socket, so a flood costs as little as possible:
 *   1. max-connections check: over the limit ⇒ closed at once, before any TLS work;
 *   2. socket options (keep-alive, no-delay);
 *   3. TLS/auto only: wait for the first byte, then hand the socket to the TLS
 *      endpoint, all under one handshake timer that frees the slot of a silent
 *      or slow peer;
 *   4. the owner gets a StreamConnection and returns its sink; reading starts.
 * A proxied transport adds one step, under its own timer: the PROXY header is
 * read from the raw socket before step 3 (proxied-tcp, and proxied-tls-
 * passthrough, whose client starts TLS after the balancer's header), or from
 * the TLS socket after it (proxied-tls: the balancer's own TLS session).
 * A failing peer only ever costs its own connection.
 */
import * as net from 'node:net';
import { internalLog } from '../core/internal-log.ts';
import { formatLocation, type SourceLocation } from '../core/location.ts';
import { emit } from '../core/telemetry.ts';
import { reportTlsFailure } from '../tls/events.ts';
import { TlsFailure, type PeerAddress, type TlsEndpoint, type TlsSession } from '../tls/types.ts';
import { connectionAccepted, connectionRejected, proxyHeaderRefused, proxyHealthCheck, tlsOnPlainPort } from './events.ts';
import { readProxyHeader } from './proxy-intake.ts';
import { fdOf, formatSockAddr, remoteOf, type IpProtocol } from './addresses.ts';
import { looksLikeClientHello, noteClientHello, offeredText, parseClientHello } from '../tls/client-hello.ts';
import { looksLikeTls, peekFirstChunk } from './first-bytes.ts';
import { applyStreamSocketOptions, type StreamSocketOptions } from './socket-options.ts';
import { StreamConnection, type CloseReason, type ConnectionSink, type ProxiedAddresses } from './stream-connection.ts';

export type StreamTransport = 'tcp' | 'tls' | 'auto';

export interface StreamListenerOptions extends StreamSocketOptions {
  transport: StreamTransport;
  /** ip() / localip(); :: (with ipProtocol 6) also accepts IPv4, mapped */
  ip: string;
  /** port(); 0 = ephemeral (tests) */
  port: number;
  ipProtocol: IpProtocol;
  /** required for 'tls'; optional for 'auto' (without it 'auto' is plain only) */
  tls?: TlsEndpoint;
  /** max-connections() */
  maxConnections: number;
  /** listen-backlog() */
  listenBacklog: number;
  /** so-reuseport() */
  soReuseport: boolean;
  /** idle-timeout(), seconds; 0 = off */
  idleTimeout: number;
  /** time allowed from accept to a finished TLS handshake (and, for auto, the first byte); default 10 000 */
  handshakeTimeoutMs?: number;
  /**
   * PROXY protocol header (proxied-* transports): in plain text first (`plain`), inside the
   * TLS session (`inside-tls`), or in plain text before the client's TLS handshake (`before-tls`)
   */
  proxy?: 'none' | 'plain' | 'inside-tls' | 'before-tls';
  /** time allowed for the PROXY header to arrive; default handshakeTimeoutMs */
  proxyTimeoutMs?: number;
  /** ALPN protocols to select when a TLS client offers one (others get plain syslog, no ALPN) */
  alpnProtocols?: readonly string[];
  /** the source's name, for the `group_name` tag */
  groupName?: string;
  location?: SourceLocation;
}

export interface StreamListenerHandlers {
  /** a connection is ready (TLS done if any); return where its bytes go */
  onConnection(conn: StreamConnection): ConnectionSink;
  /**
   * a TLS handshake failed, timed out, or a peer spoke plain text to TLS; the
   * connection is already closed and the failure already reported (logged and
   * counted): this is a notification, not a request to report it
   */
  onTlsFailure?(failure: TlsFailure): void;
  /** an error of the listening socket itself after start */
  onError?(err: Error): void;
}

export interface StreamListener {
  /** the bound address (the real port when port 0 was asked) */
  readonly address: PeerAddress;
  /** connections holding a slot: handshaking plus established */
  readonly connectionCount: number;
  readonly connections: ReadonlySet<StreamConnection>;
  /**
   * Stop: no new connection is accepted, and every connection stops reading
   * at once — within this call, before anything else runs — with what was
   * already read delivered (StreamConnection.close). Idempotent.
   */
  close(): Promise<void>;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export async function createStreamListener(opts: StreamListenerOptions, handlers: StreamListenerHandlers): Promise<StreamListener> {
  if (opts.transport === 'tls' && !opts.tls) throw new Error('transport(tls) was specified, but tls() options missing');
  const useTls = opts.transport !== 'tcp' && opts.tls !== undefined;
  const endpoint = opts.tls;
  const max = opts.maxConnections;
  const handshakeMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const proxy = opts.proxy ?? 'none';
  if (proxy !== 'none' && proxy !== 'plain' && !useTls) throw new Error(`a PROXY header ${proxy} needs TLS, but tls() options are missing`);
  const proxyMs = opts.proxyTimeoutMs ?? handshakeMs;
  const idleMs = opts.idleTimeout * 1000;
  const host = opts.ip;
  const location = opts.location ? formatLocation(opts.location) : undefined;
  const group = opts.groupName ?? '';

  const established = new Set<StreamConnection>();
  /** sockets between accept and a finished handshake, with the abort that stops the endpoint quietly */
  const handshaking = new Map<net.Socket, AbortController>();
  let closed = false;
  let localText = '';

  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: false });
  server.on('connection', onSocket);
  server.on('error', (err) => {
    if (handlers.onError) handlers.onError(err);
    else internalLog('error', 'Error on listening socket', { local: localText, error: err.message, location });
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => reject(err);
    server.once('error', fail);
    server.listen({ host, port: opts.port, backlog: opts.listenBacklog, reusePort: opts.soReuseport }, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  const address: PeerAddress = { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
  localText = formatSockAddr(address);

  function onSocket(raw: net.Socket): void {
    if (closed) {
      raw.destroy();
      return;
    }
    // the peer may already be gone; its address is then unknown
    raw.on('error', noop);
    if (established.size + handshaking.size >= max) {
      emit(connectionRejected, { group, client: formatSockAddr(remoteOf(raw)), local: localText, location, max });
      raw.destroy();
      return;
    }
    applyStreamSocketOptions(raw, opts);
    if (!useTls && proxy === 'none') {
      establish(raw, undefined, fdOf(raw));
      return;
    }
    const abort = new AbortController();
    handshaking.set(raw, abort);
    if (proxy === 'plain' || proxy === 'before-tls') {
      const fd = fdOf(raw);
      void takeProxyHeader(raw, raw, abort).then((addrs) => {
        if (addrs === undefined) return;
        if (useTls) return handshake(raw, abort, addrs);
        handshaking.delete(raw);
        establish(raw, undefined, fd, addrs);
      });
      return;
    }
    void handshake(raw, abort);
  }

  /**
   * Reads the PROXY header off `from` (the raw socket, or the TLS socket of proxied-tls) while
   * `raw` holds its slot. Undefined: the connection is closed, and reported when it was refused.
   */
  async function takeProxyHeader(from: net.Socket, raw: net.Socket, abort: AbortController): Promise<ProxiedAddresses | undefined> {
    // taken now: a destroyed socket no longer knows its peer
    const client = formatSockAddr(remoteOf(raw));
    const r = await readProxyHeader(from, { timeoutMs: proxyMs, signal: abort.signal });
    if (r.outcome === 'proxied') {
      if (!closed && !abort.signal.aborted) {
        const h = r.header;
        return { source: { ...h.source, family: h.family }, destination: { ...h.destination, family: h.family } };
      }
    }
    handshaking.delete(raw);
    from.destroy();
    raw.destroy();
    // cut short by our own close(): not the peer's doing
    if (closed || abort.signal.aborted) return undefined;
    const fields = { group, client, local: localText };
    if (r.outcome === 'refused') emit(proxyHeaderRefused, { ...fields, reason: r.reason, location });
    else if (r.outcome === 'health_check') emit(proxyHealthCheck, { ...fields, version: r.header.version, command: r.header.kind === 'local' ? 'LOCAL' : 'UNKNOWN' });
    else internalLog('debug', 'Connection closed before it sent a PROXY header', fields);
    return undefined;
  }

  async function handshake(raw: net.Socket, abort: AbortController, proxied?: ProxiedAddresses): Promise<void> {
    const peer = remoteOf(raw);
    const fd = fdOf(raw);
    let settled = false;
    // once the endpoint has the socket, its verdict (not the socket's close) decides what is reported
    let inEndpoint = false;
    const release = (): void => {
      settled = true;
      clearTimeout(timer);
      handshaking.delete(raw);
    };
    /** `reported`: the endpoint already reported it (every TlsFailure it rejects with is) */
    const fail = (f: TlsFailure, reported: boolean): void => {
      if (settled) return;
      release();
      // an endpoint still handshaking stops without a report of its own: this one is the report
      abort.abort(f);
      raw.destroy();
      // handshakes cut short by our own close() are not the peer's fault
      if (closed) return;
      if (!reported) reportTlsFailure(f, 'source');
      handlers.onTlsFailure?.(f);
    };
    let sawFirstByte = false;
    const timer = setTimeout(() => {
      const what = sawFirstByte ? 'did not complete the TLS handshake' : 'sent nothing';
      fail(new TlsFailure('handshake_timeout', `Peer ${formatSockAddr(peer)} ${what} within ${handshakeMs} ms`, 'Make sure the sender speaks TLS to this port and is not stalled; the connection was closed to free its slot', { peer, location: opts.location }), false);
    }, handshakeMs);
    raw.once('close', () => {
      // closed before the handshake ended: nothing to report beyond a debug line (health checks do this)
      if (settled || inEndpoint) return;
      release();
      internalLog('debug', 'Connection closed before the TLS handshake finished', { client: formatSockAddr(peer), local: localText });
    });

    const first = await peekFirstChunk(raw);
    if (settled || first === null) return;
    sawFirstByte = true;
    if (!looksLikeTls(first)) {
      if (opts.transport === 'auto') {
        release();
        establish(raw, undefined, fd);
        return;
      }
      fail(new TlsFailure('plaintext_on_tls_port', `Plain-text data instead of a TLS handshake from ${formatSockAddr(peer)} on TLS port ${localText}`, 'Configure the sender for TLS (transport(tls) with a tls() block), or send plain TCP to a port with transport(tcp) or transport(auto)', { peer, location: opts.location }), false);
      return;
    }
    noteClientHello(raw, first);
    let session: TlsSession;
    inEndpoint = true;
    try {
      session = await endpoint!.accept(raw, peer, abort.signal, opts.alpnProtocols ? { alpnProtocols: opts.alpnProtocols } : undefined);
    } catch (err) {
      fail(asTlsFailure(err, peer, opts.location), err instanceof TlsFailure);
      return;
    }
    if (settled) {
      // timed out or closed while the endpoint was finishing
      session.socket.destroy();
      return;
    }
    release();
    if (session.socket.destroyed) return;
    if (proxy === 'inside-tls') {
      // the balancer's TLS is up; its header is the first thing inside, and the slot stays held until it came
      handshaking.set(raw, abort);
      const addrs = await takeProxyHeader(session.socket, raw, abort);
      if (addrs === undefined) return;
      handshaking.delete(raw);
      establish(session.socket, session, fd, addrs);
      return;
    }
    establish(session.socket, session, fd, proxied);
  }

  function establish(sock: net.Socket, session: TlsSession | undefined, fd: number | undefined, proxied?: ProxiedAddresses): void {
    if (closed) {
      sock.destroy();
      return;
    }
    const conn = new StreamConnection(sock, session, { idleMs, onGone, proxied });
    established.add(conn);
    const client = formatSockAddr(conn.peer);
    emit(connectionAccepted, { group, fd, client, local: localText, proxied: proxied ? formatSockAddr(proxied.source) : undefined });
    let sink: ConnectionSink;
    try {
      sink = handlers.onConnection(conn);
    } catch (err) {
      internalLog('error', 'Error setting up a new connection, closing it', { client, error: err instanceof Error ? err.message : String(err) });
      conn.start({ onData: noop });
      conn.destroy();
      return;
    }
    conn.start(session || useTls ? sink : refuseTlsClients(conn, sink));

    function onGone(c: StreamConnection, reason: CloseReason, err?: Error): void {
      established.delete(c);
      internalLog('verbose', 'Syslog connection closed', { fd, client, local: localText, reason, error: err?.message });
    }
  }

  /**
   * A plain-TCP connection whose first bytes are a TLS ClientHello: a sender
   * configured for TLS. Its bytes are no syslog, so they are not stored; the
   * connection is closed and the mistake logged once, with what it offered.
   */
  function refuseTlsClients(conn: StreamConnection, sink: ConnectionSink): ConnectionSink {
    let head: Buffer | undefined = Buffer.alloc(0);
    return {
      onData(chunk) {
        if (head === undefined) return sink.onData(chunk);
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        // a ClientHello's first 6 bytes decide; a syslog sender's first byte already does
        if (head.length < 6 && looksLikeClientHello(head)) return;
        const first = head;
        head = undefined;
        if (!looksLikeClientHello(first)) return sink.onData(first);
        const hello = parseClientHello(first);
        emit(tlsOnPlainPort, { group, client: formatSockAddr(conn.peer), local: localText, offered: hello ? offeredText(hello) : undefined, location });
        conn.destroy();
      },
      onClose(reason, err) {
        // a sender that closed before 6 bytes: what it sent is still a message
        if (head !== undefined && head.length > 0) sink.onData(head);
        sink.onClose?.(reason, err);
      },
    };
  }

  let closing: Promise<void> | undefined;
  return {
    address,
    get connectionCount() {
      return established.size + handshaking.size;
    },
    connections: established,
    close() {
      closing ??= (async () => {
        closed = true;
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const [raw, abort] of handshaking) {
          abort.abort(new Error('listener closed'));
          raw.destroy();
        }
        // all in this turn: no connection reads on while another is being closed
        const gone = [...established].map((c) => c.close());
        await Promise.all(gone);
        await serverClosed;
      })();
      return closing;
    },
  };
}

function asTlsFailure(err: unknown, peer: PeerAddress, location: SourceLocation | undefined): TlsFailure {
  if (err instanceof TlsFailure) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new TlsFailure('handshake_failed', `TLS handshake with ${formatSockAddr(peer)} failed: ${msg}`, "Check the peer's TLS settings and logs", { peer, location, cause: err });
}

function noop(): void {}
