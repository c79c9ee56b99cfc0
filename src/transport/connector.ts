/**
 * The client side of a network()/syslog() stream destination: connect, keep
 * reconnecting after time-reopen(), fail over between servers and fail back to
 * the primary (drivers.md §10, §11).
 *
 * Delivery model (drivers.md §13.1), for the destination above us:
 *  - `write(buf, cb)` hands bytes to the socket. Its return value is Node's
 *    backpressure signal: false means the socket buffer is over its high-water
 *    mark; stop writing and wait for the connector's 'drain' event.
 *  - A write is ACKNOWLEDGED when its callback fires without an error: every
 *    byte went to the kernel (TLS: was accepted by the TLS layer). That is all
 *    syslog-ng promises too; bytes in kernel buffers when a connection dies
 *    are lost, and nobody can know which.
 *  - When the connection breaks, every write whose callback has not fired yet
 *    gets its callback with an error, then `onDisconnect()` is called. The
 *    destination keeps each batch until acknowledged and re-sends the
 *    unacknowledged ones after the next `onConnect()` (a partly written record
 *    may thus arrive twice, the first copy truncated — as with syslog-ng).
 *  - After `onDisconnect()` no 'drain' comes for the old socket; the next
 *    `onConnect()` is the signal to write again. Writes while disconnected
 *    fail at once (callback with an error, return false).
 */
import * as dns from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { internalLog } from '../core/internal-log.ts';
import { formatLocation, type SourceLocation } from '../core/location.ts';
import { emit } from '../core/telemetry.ts';
import { reportTlsFailure } from '../tls/events.ts';
import { TlsFailure, type PeerAddress, type TlsEndpoint, type TlsSession } from '../tls/types.ts';
import { connectFailed, connectionEstablished, connectionRetired, resolveFailed } from './events.ts';
import { anyAddress, fdOf, formatSockAddr, localOf, osErrorText, remoteOf, type IpProtocol } from './addresses.ts';
import { FailbackProber } from './failback-prober.ts';
import { ServerRotation } from './server-rotation.ts';
import { applyStreamSocketOptions, type StreamSocketOptions } from './socket-options.ts';

export interface ConnectorOptions extends StreamSocketOptions {
  /** the destination's positional host: name or address literal, resolved on every (re)connect */
  host: string;
  port: number;
  /** failover(servers(...)): tried after the primary, in order */
  servers: string[];
  /** failover(failback(...)): tcp-probe-interval() in ms, successful-probes-required(); needs servers; undefined = no failback */
  failback: { probeIntervalMs: number; probesRequired: number } | undefined;
  ipProtocol: IpProtocol;
  /** localip(): source address to bind before connecting; undefined = the kernel picks */
  localip: string | undefined;
  /** localport(): source port; 0 = ephemeral */
  localport: number;
  tls?: TlsEndpoint;
  /** time-reopen() in milliseconds */
  timeReopenMs: number;
  /** close-on-input() */
  closeOnInput: boolean;
  /** socket write buffer high-water mark in bytes (plain TCP); default Node's */
  writeHighWaterMark?: number;
  /** give up a TCP connect that hangs this long (ms); default: the kernel's own timeout */
  connectTimeoutMs?: number;
  /**
   * max-connection-lifetime() in ms (0 = off): a connection this old (±LIFETIME_JITTER) is ended
   * cleanly and a new one opened at once, so a long-lived sender meets rotated certificates, DNS
   * changes and new receivers behind a balancer. Writes already accepted are flushed first.
   */
  maxLifetimeMs?: number;
  location?: SourceLocation;
  /** the destination's name, for messages */
  name?: string;
  /**
   * TLS only: ALPN protocols to offer (disk-buffer(): the acknowledging link's, delivery-link.ts).
   * A peer that agrees to one may send data: close-on-input() does not apply to it.
   */
  alpnProtocols?: readonly string[];
}

export type DisconnectReason =
  /** the server closed the connection (EOF) */
  | 'closed'
  /** an I/O or TLS error */
  | 'broken'
  /** the server sent bytes and close-on-input(yes) */
  | 'unexpected_input'
  /** failback moved us to the primary */
  | 'failback'
  /** max-connection-lifetime() reached: closed cleanly, reconnecting at once */
  | 'lifetime'
  /** close() or destroy() */
  | 'stopped';

export interface ConnectInfo {
  server: string;
  remote: PeerAddress;
  local: PeerAddress;
  tls?: TlsSession;
  /** the connection's socket (TLS: the TLSSocket, which knows the ALPN protocol agreed) */
  socket: net.Socket;
}

export interface ConnectorHandlers {
  onConnected?(info: ConnectInfo): void;
  onDisconnect?(reason: DisconnectReason, error?: Error): void;
  /** a TLS handshake to the server failed; the connection is already closed, the failure reported and a reconnect scheduled (a notification) */
  onTlsFailure?(failure: TlsFailure): void;
}

/** how long close() waits for the server's side of the close before destroying the socket */
export const CLOSE_GRACE_MS = 200;

type State = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopped';

type WriteCallback = (err?: Error | null) => void;

/** a lifetime is spread by ±10 %, so senders started together do not all reconnect together */
export const LIFETIME_JITTER = 0.1;
/** how long a connection ended for its lifetime may take to close before it is aborted */
const RETIRE_CLOSE_MS = 5000;

/** The lifetime of one connection: `ms` spread uniformly over ±LIFETIME_JITTER. */
export function jitteredLifetime(ms: number, random = Math.random()): number {
  return Math.round(ms * (1 - LIFETIME_JITTER + 2 * LIFETIME_JITTER * random));
}

export class Connector extends EventEmitter {
  #o: ConnectorOptions;
  #h: ConnectorHandlers;
  #rotation: ServerRotation;
  #prober: FailbackProber | undefined;
  #state: State = 'idle';
  /** bumps on every attempt, so callbacks of an abandoned attempt do nothing */
  #gen = 0;
  #socket: net.Socket | undefined;
  #attemptSocket: net.Socket | undefined;
  /** stops a TLS handshake in progress without a report: giving up on it is our decision, not a failure */
  #attemptAbort: AbortController | undefined;
  #fd: number | undefined;
  #serverText = '';
  #server = '';
  #reopenTimer: NodeJS.Timeout | undefined;
  #pending = new Set<WriteCallback>();
  #closing: Promise<void> | undefined;
  #lifetimeTimer: NodeJS.Timeout | undefined;
  /** a connection being ended for its lifetime, until it has closed */
  #retiring: net.Socket | undefined;

  constructor(opts: ConnectorOptions, handlers: ConnectorHandlers = {}) {
    super();
    this.#o = opts;
    this.#h = handlers;
    const failback = opts.failback !== undefined && opts.servers.length > 0;
    this.#rotation = new ServerRotation(opts.host, opts.servers, { failback, location: opts.location });
    if (failback) {
      this.#prober = new FailbackProber({
        host: opts.host,
        port: opts.port,
        ipProtocol: opts.ipProtocol,
        localip: opts.localip,
        intervalMs: opts.failback!.probeIntervalMs,
        required: opts.failback!.probesRequired,
        onStable: (sock) => this.#failbackTo(sock),
      });
    }
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** the server currently used or being tried */
  get server(): string {
    return this.#server || this.#rotation.current;
  }

  get timeReopenMs(): number {
    return this.#o.timeReopenMs;
  }

  /** the time_reopen tag is in seconds, as syslog-ng prints it */
  get #reopenTag(): number {
    return this.timeReopenMs / 1000;
  }

  /** Connects now; reconnects forever until close()/destroy(). */
  start(): void {
    if (this.#state !== 'idle') return;
    void this.#attempt();
  }

  /** See the delivery model at the top of this file. */
  write(buf: Buffer, cb?: WriteCallback): boolean {
    const sock = this.#socket;
    if (this.#state !== 'connected' || !sock) {
      if (cb) queueMicrotask(() => cb(new Error('not connected')));
      return false;
    }
    let done = false;
    const once: WriteCallback = (err) => {
      if (done) return;
      done = true;
      this.#pending.delete(once);
      cb?.(err ?? null);
    };
    this.#pending.add(once);
    return sock.write(buf, once);
  }

  /**
   * Stops reconnecting and ends the stream (close_notify, FIN) after what was
   * written; the socket is destroyed `graceMs` later if the server has not
   * closed its side by then. The grace is short on purpose: what counts as
   * written was already accepted by the kernel, which still sends it after
   * the destroy, and a server that never closes must not hold a shutdown.
   */
  close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const sock = this.#stopAll() ?? this.#retiring;
      if (!sock || sock.destroyed) {
        resolve();
        return;
      }
      const t = setTimeout(() => sock.destroy(), graceMs);
      sock.once('close', () => {
        clearTimeout(t);
        this.#failPending(new Error('connector closed'));
        this.#h.onDisconnect?.('stopped');
        resolve();
      });
      sock.end();
    });
    return this.#closing;
  }

  /** Stops everything now; unacknowledged writes fail. */
  destroy(): void {
    const sock = this.#stopAll();
    if (!sock) return;
    sock.destroy();
    this.#failPending(new Error('connector destroyed'));
    this.#h.onDisconnect?.('stopped');
  }

  #stopAll(): net.Socket | undefined {
    const wasConnected = this.#state === 'connected';
    this.#state = 'stopped';
    this.#gen++;
    clearTimeout(this.#reopenTimer);
    clearTimeout(this.#lifetimeTimer);
    this.#prober?.stop();
    this.#dropAttempt();
    const sock = this.#socket;
    this.#socket = undefined;
    return wasConnected ? sock : undefined;
  }

  async #attempt(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'connecting';
    const gen = ++this.#gen;
    const { server, leftPrimary } = this.#rotation.next();
    if (leftPrimary) this.#prober?.start();
    this.#server = server;
    const o = this.#o;
    let address: string;
    try {
      address = (await dns.lookup(server, { family: o.ipProtocol === 6 ? 6 : 4 })).address;
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#connectFailed(resolveFailed, err, server, undefined);
      this.#waitReopen();
      return;
    }
    if (gen !== this.#gen) return;
    this.#serverText = formatSockAddr({ address, port: o.port });
    const sock = new net.Socket(o.writeHighWaterMark ? ({ writableHighWaterMark: o.writeHighWaterMark } as net.SocketConstructorOpts) : {});
    this.#attemptSocket = sock;
    let connectTimer: NodeJS.Timeout | undefined;
    const onError = (err: Error): void => {
      clearTimeout(connectTimer);
      sock.destroy();
      if (gen !== this.#gen) return;
      this.#attemptSocket = undefined;
      this.#connectFailed(connectFailed, err, server, address, fdOf(sock));
      this.#waitReopen();
    };
    sock.once('error', onError);
    if (o.connectTimeoutMs) {
      connectTimer = setTimeout(() => onError(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT', errno: -110 })), o.connectTimeoutMs);
    }
    sock.once('connect', () => {
      clearTimeout(connectTimer);
      sock.off('error', onError);
      if (gen !== this.#gen) {
        sock.destroy();
        return;
      }
      this.#attemptSocket = undefined;
      void this.#established(sock, server, gen);
    });
    sock.connect({ host: address, port: o.port, localAddress: o.localip, localPort: o.localport, family: o.ipProtocol === 6 ? 6 : 4 });
  }

  /**
   * One line per failed attempt: which destination (name, config location),
   * the address it resolved to, why, what to check, and when it tries again.
   */
  #connectFailed(kind: typeof connectFailed, err: unknown, server: string, address: string | undefined, fd?: number): void {
    const o = this.#o;
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
    const target = address ? `${address.includes(':') ? `[${address}]` : address}:${o.port}` : undefined;
    const proto = o.tls ? 'TLS' : 'TCP';
    let check: string;
    switch (code) {
      case 'ECONNREFUSED':
        check = `nothing accepts connections on ${target}: check that the receiver${server !== address ? ` on ${server}` : ''} is running and listening on port ${o.port} (${proto}), and that no firewall rejects the connection`;
        break;
      case 'ETIMEDOUT':
        check = `${target} did not answer: check that the host is up and that no firewall silently drops connections to port ${o.port}`;
        break;
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        check = `there is no route to ${address}: check the address and this host's network`;
        break;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EAI_FAIL':
        check = `'${server}' does not resolve: check the name's spelling and DNS (or /etc/hosts)`;
        break;
      default:
        check = `check that the receiver at ${target ?? server} is running and reachable`;
    }
    emit(kind, {
      server,
      tags: {
        fd,
        destination: o.name,
        location: o.location ? formatLocation(o.location) : undefined,
        host: server !== address ? server : undefined,
        server: address ? this.#serverText : undefined,
        error: osErrorText(err),
        time_reopen: this.#reopenTag,
        fix: `${check}; retrying every ${this.#reopenTag} s (time-reopen())`,
      },
    });
  }

  /** TCP is up (a fresh connect, or a failback probe socket). */
  async #established(raw: net.Socket, server: string, gen: number): Promise<void> {
    const o = this.#o;
    this.#fd = fdOf(raw);
    const remote = remoteOf(raw);
    this.#serverText = formatSockAddr(remote);
    emit(connectionEstablished, {
      server,
      tags: {
        fd: this.#fd,
        server: this.#serverText,
        local: formatSockAddr({ address: o.localip ?? anyAddress(o.ipProtocol), port: o.localport }),
      },
    });
    applyStreamSocketOptions(raw, o);
    let session: TlsSession | undefined;
    if (o.tls) {
      // syslog-ng starts the handshake lazily, on the first SSL_write, so a
      // wrong certificate shows up only when the first message is sent (and
      // that message is then "in flight" while the connection dies). We
      // handshake right after connect: certificate problems are reported at
      // start-up, and onConnect means "a verified channel", so no message is
      // ever written into a connection that cannot be trusted.
      this.#state = 'connecting';
      this.#attemptSocket = raw;
      raw.on('error', noop);
      const abort = new AbortController();
      this.#attemptAbort = abort;
      try {
        session = await o.tls.connect(raw, server, remote, abort.signal, o.alpnProtocols ? { alpnProtocols: o.alpnProtocols } : undefined);
      } catch (err) {
        raw.destroy();
        if (abort.signal.aborted || gen !== this.#gen) return;
        this.#attemptAbort = undefined;
        this.#attemptSocket = undefined;
        // the endpoint reported every TlsFailure it rejects with; anything else is reported here, once
        let f: TlsFailure;
        if (err instanceof TlsFailure) f = err;
        else {
          f = new TlsFailure('handshake_failed', `TLS handshake with ${this.#serverText} failed: ${err instanceof Error ? err.message : String(err)}`, "Check the server's certificate and this destination's tls() options", { peer: remote, location: o.location, cause: err });
          reportTlsFailure(f, 'destination');
        }
        this.#h.onTlsFailure?.(f);
        internalLog('notice', 'Syslog connection broken', { fd: this.#fd, server: this.#serverText, time_reopen: this.#reopenTag });
        this.#waitReopen();
        return;
      }
      if (gen !== this.#gen) {
        session.socket.destroy();
        return;
      }
      this.#attemptAbort = undefined;
      this.#attemptSocket = undefined;
    }
    this.#ready(session ? session.socket : raw, server, remote, session, gen);
  }

  #ready(sock: net.Socket, server: string, remote: PeerAddress, session: TlsSession | undefined, gen: number): void {
    this.#state = 'connected';
    this.#socket = sock;
    sock.on('drain', () => {
      if (gen === this.#gen) this.emit('drain');
    });
    // a peer that agreed to a protocol we offered by ALPN (the acknowledging link) talks back:
    // its bytes are that protocol's, not unexpected input
    const agreed = (sock as net.Socket & { alpnProtocol?: string | false }).alpnProtocol;
    const talksBack = typeof agreed === 'string' && (this.#o.alpnProtocols ?? []).includes(agreed);
    sock.on('data', () => {
      if (gen !== this.#gen || !this.#o.closeOnInput || talksBack) return;
      internalLog('error', 'Unexpected input, closing', { fd: this.#fd });
      this.#lost('unexpected_input', gen);
    });
    sock.on('end', () => this.#lost('closed', gen));
    sock.on('error', (err) => this.#lost('broken', gen, err));
    sock.on('close', () => this.#lost('closed', gen));
    const local = localOf(session ? ((sock as unknown as { _parent?: net.Socket })._parent ?? sock) : sock);
    clearTimeout(this.#lifetimeTimer);
    if (this.#o.maxLifetimeMs) {
      this.#lifetimeTimer = setTimeout(() => this.#retire(gen), jitteredLifetime(this.#o.maxLifetimeMs));
      this.#lifetimeTimer.unref();
    }
    this.#h.onConnected?.({ server, remote, local, tls: session, socket: sock });
  }

  /**
   * max-connection-lifetime(): no new writes go to this connection; what was
   * written is flushed and the stream ended (close_notify, FIN), and once it
   * is flushed a new connection is opened at once, while the old one waits
   * for the server's close (RETIRE_CLOSE_MS at most). A write the old
   * connection could not flush fails and is sent again on the new one.
   */
  #retire(gen: number): void {
    if (gen !== this.#gen || this.#state !== 'connected') return;
    const sock = this.#socket!;
    // the old connection's listeners stop acting for it
    this.#gen++;
    this.#socket = undefined;
    this.#state = 'waiting';
    this.#retiring = sock;
    emit(connectionRetired, {
      server: this.#server,
      tags: { fd: this.#fd, server: this.#serverText, destination: this.#o.name, max_connection_lifetime: (this.#o.maxLifetimeMs ?? 0) / 1000 },
    });
    const abort = setTimeout(() => sock.destroy(), RETIRE_CLOSE_MS);
    abort.unref();
    sock.on('error', noop);
    // 'finish': every write was flushed (its callback fired), so the next connection can start
    // now; the old one ends on its own, its peer reading the rest before our FIN
    let moved = false;
    const moveOn = (flushed: boolean): void => {
      if (moved) return;
      moved = true;
      if (!flushed) this.#failPending(new Error('the connection was closed at its max-connection-lifetime() before this write was flushed'));
      if (this.#state === 'stopped') return;
      this.#h.onDisconnect?.('lifetime');
      void this.#attempt();
    };
    sock.once('finish', () => moveOn(true));
    sock.once('close', () => {
      clearTimeout(abort);
      if (this.#retiring === sock) this.#retiring = undefined;
      moveOn(false);
    });
    sock.end();
  }

  #lost(reason: DisconnectReason, gen: number, err?: Error): void {
    if (gen !== this.#gen || this.#state !== 'connected') return;
    this.#gen++;
    clearTimeout(this.#lifetimeTimer);
    const sock = this.#socket!;
    this.#socket = undefined;
    sock.destroy();
    this.#failPending(err ?? new Error(`connection ${reason}`));
    internalLog('notice', reason === 'closed' ? 'Syslog connection closed' : 'Syslog connection broken', {
      fd: this.#fd,
      server: this.#serverText,
      time_reopen: this.#reopenTag,
    });
    this.#state = 'waiting';
    this.#h.onDisconnect?.(reason, err);
    this.#waitReopen();
  }

  #waitReopen(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'waiting';
    clearTimeout(this.#reopenTimer);
    this.#reopenTimer = setTimeout(() => void this.#attempt(), this.timeReopenMs);
  }

  #failbackTo(sock: net.Socket): void {
    if (this.#state === 'stopped') {
      sock.destroy();
      return;
    }
    const old = this.#state === 'connected' ? this.#socket : undefined;
    const gen = ++this.#gen;
    clearTimeout(this.#reopenTimer);
    this.#dropAttempt();
    this.#rotation.backToPrimary();
    this.#server = this.#o.host;
    if (old) {
      clearTimeout(this.#lifetimeTimer);
      this.#socket = undefined;
      old.destroy();
      this.#failPending(new Error('failback to the primary server'));
      this.#state = 'connecting';
      this.#h.onDisconnect?.('failback');
    }
    this.#state = 'connecting';
    sock.on('error', noop);
    void this.#established(sock, this.#o.host, gen);
  }

  #dropAttempt(): void {
    this.#attemptAbort?.abort(new Error('connection attempt abandoned'));
    this.#attemptAbort = undefined;
    this.#attemptSocket?.destroy();
    this.#attemptSocket = undefined;
  }

  #failPending(err: Error): void {
    for (const cb of [...this.#pending]) cb(err);
    this.#pending.clear();
  }
}

export function createConnector(opts: ConnectorOptions, handlers: ConnectorHandlers = {}): Connector {
  return new Connector(opts, handlers);
}

function noop(): void {}

export { createDgramSender, MAX_UDP_PAYLOAD, type DgramSender, type DgramSenderOptions } from './dgram-sender.ts';
