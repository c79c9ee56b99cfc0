/**
 * What the pipeline needs from drivers, and what it gives them. Sources push
 * messages into a `Route`; destinations take deliveries. Flow control travels
 * as an optional acknowledgement: a flow-controlled delivery must be acked
 * once the destination has written it, and the source does not read more
 * than its window allows until it is.
 */
import type { LogMessage } from '../message/log-message.ts';
import type { SourceLocation } from '../core/location.ts';
import type { TlsEndpoint, TlsOptions } from '../tls/types.ts';
import type { Congestion } from './congestion.ts';

/** Called exactly once when a delivery is done (written, or given up for good). */
export type Ack = () => void;

/**
 * Hands one message into the log paths; `ack` is called when every
 * flow-controlled destination has it, or with `allWritten` when every
 * destination it went to has it (acknowledged transfer, docs/ack-transfer.md).
 */
export type Route = (msg: LogMessage, ack?: Ack, allWritten?: boolean) => void;

/**
 * What a driver was built with, after defaults and inheritance: plain data and
 * functions of a message (formatters, file names). Read by tests that prove
 * every honoured option changes what the driver does.
 */
export type EffectiveSettings = object;

export interface DeliveryCounts {
  /** disk-buffer(): records left in the buffer on disk (sent after the next start; not lost) */
  kept?: number;
  written: number;
  unwritten: number;
  dropped: number;
  /** when a write last succeeded, ms since the epoch (0 or absent: never) */
  lastWrittenAt?: number;
  /** bytes written (to the socket, file or stdout) since start */
  writtenBytes?: number;
  /**
   * when the oldest message still unwritten (queued or in a write not confirmed)
   * was received, ms since the epoch; 0 or absent: nothing is waiting
   */
  oldestUnwrittenAt?: number;
  /** bytes a disk buffer holds now: filled by disk-buffered destinations (absent: none) */
  diskBufferBytes?: number;
}

export interface SourceDriver {
  readonly name: string;
  readonly effective?: EffectiveSettings;
  /** open files/sockets; messages go to `route` from now on */
  start(route: Route): Promise<void>;
  /** stop reading; resolve when no more messages will be routed */
  stop(): Promise<void>;
  /** stream sources: connections holding a slot now (handshaking or established), for /metrics */
  openConnections?(): number;
  /** network sources: bytes read from sockets since start (stream chunks and datagrams), for /metrics */
  receivedBytes?(): number;
}

export interface DestinationDriver {
  readonly name: string;
  readonly effective?: EffectiveSettings;
  start(): Promise<void>;
  /**
   * Queue one message. With `ack` the message is flow-controlled: it is never
   * dropped and `ack` fires once written. Without it the queue may drop it when full.
   */
  deliver(msg: LogMessage, ack?: Ack): void;
  /** flush what is queued (bounded by `deadlineMs`), then close */
  stop(deadlineMs: number): Promise<void>;
  /**
   * Reload (logrotate): let go of open files so the next write opens the path
   * anew; the queue and what is being written are kept, nothing is written twice.
   */
  reopen?(): void;
  /**
   * For the stop report, since start: messages written, messages accepted and
   * not written (queued, or in a write not confirmed yet), messages dropped
   * because the queue was full.
   */
  deliveryCounts?(): DeliveryCounts;
  /** disk-buffer(): what its buffer holds now (for /metrics) */
  bufferCounters?(): BufferCounters;
}

export interface BufferCounters {
  /** bytes the buffer's files take */
  bytes: number;
  /** records appended and not yet acknowledged (released by the link) */
  records: number;
}

/**
 * What the daemon gives every driver it builds, besides the driver's own
 * settings. Drivers take everything host- or process-specific from here, so
 * the same settings build the same driver in any thread.
 */
export interface DriverEnv {
  /** the short host name (`${HOST}` of local messages, `${LOGHOST}`) */
  hostname: string;
  /** build everything, open nothing (`-s`) */
  dryRun: boolean;
  /** where state lives (the persist file's directory): disk-buffer() directories without dir() go here */
  stateDir?: string;
  /** the daemon's PID as users see it (parse-error reports, internal messages) */
  pid: number;
  /** destinations that are behind, for readers to wait on */
  congestion?: Congestion;
  /**
   * builds a TLS endpoint for a tls() block (the daemon decides where the material comes from);
   * `driver`: the declaration that uses it, which the daemon adds (its metrics label the block with it)
   */
  tlsEndpoint(role: 'server' | 'client', opts: TlsOptions, loc: SourceLocation, driver?: string): TlsEndpoint;
}
