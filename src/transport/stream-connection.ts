/**
 * One accepted stream connection, read in pull mode.
 *
 * Bytes are taken from the socket with `socket.read()` only while the
 * consumer has not paused us. When paused we stop reading entirely, so Node
 * stops reading the descriptor once its small readable buffer is full and
 * the kernel's receive window closes: TCP itself pushes back on the sender
 * (the syslog-ng "source suspended" model, drivers.md §13.2). Nothing here
 * buffers beyond that one stream buffer.
 */
import type * as net from 'node:net';
import type { PeerAddress, TlsSession } from '../tls/types.ts';
import { fdOf, localOf, remoteOf } from './addresses.ts';

export type CloseReason =
  /** the peer closed its side (FIN or close_notify) */
  | 'eof'
  /** a socket or TLS error */
  | 'error'
  /** idle-timeout() expired without data */
  | 'idle_timeout'
  /** we closed it (close(): reading stopped, what was already read delivered) */
  | 'closed'
  /** we aborted it (destroy()) */
  | 'destroyed';

/** What the owner of a connection gives back: where bytes and the end go. */
export interface ConnectionSink {
  onData(chunk: Buffer): void;
  onClose?(reason: CloseReason, error?: Error): void;
}

export interface StreamConnectionOptions {
  /** idle-timeout() in milliseconds; 0 = off */
  idleMs: number;
  /** called once, after the socket is gone (the listener frees the slot here) */
  onGone?: (conn: StreamConnection, reason: CloseReason, error?: Error) => void;
  /** the addresses a PROXY protocol header gave (proxied-* transports) */
  proxied?: ProxiedAddresses;
}

/**
 * What a PROXY header said: the balancer's client (`source`) and the address
 * that client connected to (`destination`). The TCP peer stays in `peer`.
 */
export interface ProxiedAddresses {
  source: PeerAddress;
  destination: PeerAddress;
}

let nextId = 1;

/** bytes handed to the consumer per event-loop turn before yielding */
const READ_BUDGET = 256 * 1024;

export class StreamConnection {
  readonly id = nextId++;
  readonly peer: PeerAddress;
  readonly local: PeerAddress;
  /** the descriptor, for syslog-ng style `fd` tags only */
  readonly fd: number | undefined;
  /** present on TLS connections: protocol, cipher and the peer's certificate facts */
  readonly tls: TlsSession | undefined;
  readonly socket: net.Socket;
  /** set when a PROXY header named the client: messages take their addresses from here, logs name `peer` */
  readonly proxied: ProxiedAddresses | undefined;
  #sink: ConnectionSink | undefined;
  #paused = false;
  #closing = false;
  #gone = false;
  #reason: CloseReason | undefined;
  #error: Error | undefined;
  #idleMs: number;
  #onGone: StreamConnectionOptions['onGone'];
  #closeWaiters: Array<() => void> = [];
  #bytesIn = 0;
  #yielded = false;

  constructor(socket: net.Socket, session: TlsSession | undefined, opts: StreamConnectionOptions) {
    this.socket = socket;
    this.tls = session;
    this.peer = remoteOf(socket);
    this.local = localOf(socket);
    this.fd = fdOf(session ? (socket as unknown as { _parent?: net.Socket })._parent ?? socket : socket);
    this.proxied = opts.proxied;
    this.#idleMs = opts.idleMs;
    this.#onGone = opts.onGone;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get closed(): boolean {
    return this.#gone;
  }

  get bytesIn(): number {
    return this.#bytesIn;
  }

  /** Starts delivery to `sink`; called by the listener once the owner has answered. */
  start(sink: ConnectionSink): void {
    if (this.#sink) throw new Error('StreamConnection already started');
    this.#sink = sink;
    const s = this.socket;
    s.on('readable', () => this.#readMore());
    s.on('end', () => this.#note('eof'));
    s.on('error', (err: Error) => this.#note('error', err));
    s.on('close', () => this.#finish());
    s.on('timeout', () => {
      if (this.#paused || this.#gone) return;
      this.#note('idle_timeout');
      s.destroy();
    });
    if (this.#idleMs > 0) s.setTimeout(this.#idleMs);
    if (s.destroyed) queueMicrotask(() => this.#finish());
    else this.#readMore();
  }

  /** Stops reading the socket; the sender is pushed back by TCP. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    // waiting on our own consumer is not idleness
    if (this.#idleMs > 0) this.socket.setTimeout(0);
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#idleMs > 0 && !this.#gone) this.socket.setTimeout(this.#idleMs);
    this.#readMore();
  }

  /**
   * Stops reading at once, then closes. Bytes Node already took from the
   * kernel (its stream buffer) are still handed to the sink, so whatever was
   * read is delivered; nothing more is read. The socket is then closed: the
   * peer sees our FIN, or a reset when bytes it sent were still unread in the
   * kernel (those were never ours, and it learns they were not taken).
   * Waiting for the peer's FIN instead would mean reading on, and what a
   * busy sender keeps sending would then have to be written or thrown away.
   */
  close(): Promise<void> {
    if (this.#gone) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    if (!this.#closing) {
      this.#closing = true;
      this.#note('closed');
      this.#takeBuffered();
      destroyWithParent(this.socket);
    }
    return p;
  }

  /** What the stream already holds goes to the sink, whatever pause or budget was in force. */
  #takeBuffered(): void {
    const sink = this.#sink;
    if (!sink) return;
    for (;;) {
      // read() may ask the kernel for more, but that answer comes in a later turn, after the destroy
      const chunk = this.socket.read() as Buffer | null;
      if (chunk === null) return;
      this.#bytesIn += chunk.length;
      try {
        sink.onData(chunk);
      } catch (err) {
        // the close goes on; the failure rides on the close report (the listener's closed line)
        this.#error ??= err instanceof Error ? err : new Error(String(err));
        return;
      }
    }
  }

  /** Abort now. */
  destroy(err?: Error): void {
    if (this.#gone) return;
    this.#note(err ? 'error' : 'destroyed', err);
    this.#closing = true;
    destroyWithParent(this.socket);
  }

  #readMore(): void {
    const s = this.socket;
    const sink = this.#sink;
    if (!sink || this.#yielded) return;
    // bounded per event-loop turn, so writers (and other connections) get their turn between
    // bursts instead of the reader filling every queue before any of them can write
    let budget = READ_BUDGET;
    while (!this.#paused && !this.#closing && !this.#gone) {
      if (budget <= 0) {
        this.#yielded = true;
        setImmediate(() => {
          this.#yielded = false;
          this.#readMore();
        });
        return;
      }
      const chunk = s.read() as Buffer | null;
      if (chunk === null) break;
      this.#bytesIn += chunk.length;
      budget -= chunk.length;
      try {
        sink.onData(chunk);
      } catch (err) {
        this.destroy(err instanceof Error ? err : new Error(String(err)));
        return;
      }
    }
  }

  /** First cause wins: an error after we asked to close is still "closed". */
  #note(reason: CloseReason, err?: Error): void {
    if (this.#reason === undefined || (this.#reason === 'eof' && reason === 'error')) {
      this.#reason = reason;
      this.#error = err;
    }
  }

  #finish(): void {
    if (this.#gone) return;
    this.#gone = true;
    const reason = this.#reason ?? 'eof';
    try {
      this.#sink?.onClose?.(reason, this.#error);
    } finally {
      this.#onGone?.(this, reason, this.#error);
      for (const w of this.#closeWaiters.splice(0)) w();
    }
  }
}

/** A TLS socket runs over the accepted TCP socket; both go, so no descriptor outlives the close. */
function destroyWithParent(socket: net.Socket): void {
  socket.destroy();
  (socket as unknown as { _parent?: net.Socket })._parent?.destroy();
}
