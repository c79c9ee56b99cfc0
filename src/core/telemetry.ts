/**
 * Telemetry events: a layer reports what happened as ONE typed event; this
 * module turns it into its one log line and its one counter increment.
 *
 * Why this shape (Vector's internal_events): before, a TLS failure was logged
 * by tls/, counted under another name by transport/ and reported again by the
 * source driver, with a WeakSet hiding the duplicate line. Now the layer that
 * knows declares the event once (name, level, constant text, counter, bounded
 * labels, tags from its fields) and calls `emit` once, so a second reporter
 * has nothing to re-report, and the line and the counter cannot drift apart.
 *
 * Why layers declare their own kinds: core/ imports nothing of ours, so it
 * cannot know a TlsFailure or a destination queue; each layer writes its
 * `events.ts` with `defineEvent`, and core keeps the registry (for the
 * kind-table test and a future `ctl stats` listing) and the reporter.
 *
 * Why a diagnostics_channel: `ctl stats`, `/metrics` and rate-limited internal
 * messages will subscribe here without touching any layer; publishing is
 * skipped while nobody listens (`hasSubscribers`), so it costs nothing today.
 *
 * Counters stay process-local for now. With worker threads, a worker will
 * post its event counts to the main thread, which keeps the totals (the
 * thread model keeps counters' totals in the main thread).
 */
import { channel } from 'node:diagnostics_channel';
import { internalLog, isLevelEnabled, type InternalLevel, type Tags } from './internal-log.ts';
import { incCounter, type Labels } from './stats.ts';

export interface EventKind<F> {
  /** stable id, snake_case (`tls_handshake_failed`) */
  readonly name: string;
  readonly level: InternalLevel;
  /** the log line's constant sentence; what varies goes into tags */
  readonly text: string;
  /** the counter this event bumps, `*_total` */
  readonly counter: string;
  /** counter labels: only bounded values (a reason code, a configured name), never a peer address */
  labels(fields: F): Labels;
  /**
   * how much the counter grows (default 1): an event that reports many happenings in one line
   * (drops over an interval) adds their number, so the counter still counts happenings
   */
  amount?(fields: F): number;
  /** the log line's tags */
  tags(fields: F): Tags;
}

/** What subscribers of the channel receive. */
export interface EmittedEvent {
  kind: string;
  level: InternalLevel;
  counter: string;
  labels: Labels;
  fields: unknown;
  /** milliseconds since the epoch */
  time: number;
}

// EventKind's methods take F as a parameter, so the registry keeps them untyped
const kinds = new Map<string, EventKind<never>>();

/** Declares an event kind; each name may be declared once per process. */
export function defineEvent<F>(kind: EventKind<F>): EventKind<F> {
  if (kinds.has(kind.name)) throw new Error(`telemetry event '${kind.name}' is declared twice`);
  const frozen = Object.freeze({ ...kind });
  kinds.set(kind.name, frozen as EventKind<never>);
  return frozen;
}

/** Every declared kind (those whose modules were imported). */
export function eventKinds(): ReadonlyArray<EventKind<never>> {
  return [...kinds.values()];
}

/** Publishes every emitted event; subscribe with `subscribeEvents`. */
export const TELEMETRY_CHANNEL = 'logferry:telemetry';
const published = channel(TELEMETRY_CHANNEL);

export function subscribeEvents(listener: (ev: EmittedEvent) => void): () => void {
  const onMessage = (msg: unknown): void => listener(msg as EmittedEvent);
  published.subscribe(onMessage);
  return () => {
    published.unsubscribe(onMessage);
  };
}

/** The one reporter: the event's log line (when its level is on) and its counter. */
export function emit<F>(kind: EventKind<F>, fields: F): void {
  const labels = kind.labels(fields);
  incCounter(kind.counter, labels, kind.amount ? kind.amount(fields) : 1);
  // tags are built only for a line that will be written (drops may come per message)
  if (isLevelEnabled(kind.level)) internalLog(kind.level, kind.text, kind.tags(fields));
  if (published.hasSubscribers) {
    published.publish({ kind: kind.name, level: kind.level, counter: kind.counter, labels, fields, time: Date.now() } satisfies EmittedEvent);
  }
}
