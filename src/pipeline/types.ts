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
  written: number;
  unwritten: number;
  dropped: number;
  /** disk-buffer(): records left in the buffer on disk (sent after the next start; not lost) */
  kept?: number;
}

export interface SourceDriver {
  readonly name: string;
  readonly effective?: EffectiveSettings;
  /** open files/sockets; messages go to `route` from now on */
  start(route: Route): Promise<void>;
  /** stop reading; resolve when no more messages will be routed */
  stop(): Promise<void>;
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
  /** the daemon's PID as users see it (parse-error reports, internal messages) */
  pid: number;
  /** destinations that are behind, for readers to wait on */
  congestion?: Congestion;
  /** builds a TLS endpoint for a tls() block (the daemon decides where the material comes from) */
  tlsEndpoint(role: 'server' | 'client', opts: TlsOptions, loc: SourceLocation): TlsEndpoint;
  /** where state lives (the persist file's directory): disk-buffer() directories without dir() go here */
  stateDir?: string;
}
