/**
 * What the pipeline needs from drivers, and what it gives them. Sources push
 * messages into a `Route`; destinations take deliveries. Flow control travels
 * as an optional acknowledgement: a flow-controlled delivery must be acked
 * once the destination has written it, and the source does not read more
 * than its window allows until it is.
 */
import type { LogMessage } from '../message/log-message.ts';

/** Called exactly once when a delivery is done (written, or given up for good). */
export type Ack = () => void;

/** Hands one message into the log paths; `ack` is called when every flow-controlled destination has it. */
export type Route = (msg: LogMessage, ack?: Ack) => void;

/**
 * What a driver was built with, after defaults and inheritance: plain data and
 * functions of a message (formatters, file names). Read by tests that prove
 * every honoured option changes what the driver does.
 */
export type EffectiveSettings = object;

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
}
