/**
 * One `logferry send` run: builds the TLS client endpoint, the feed, the rate
 * limiter and one message maker per connection, runs the connections side by
 * side and returns the report. Setup problems (an unreadable certificate, a
 * --size too small for the records) throw; a failure on the wire is part of
 * the report.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createTlsEndpoint } from '../tls/endpoint.ts';
import { TlsConfigError } from '../tls/material.ts';
import type { TlsEndpoint } from '../tls/types.ts';
import { Counters, runDatagram, runStream, type ConnectionResult } from './connection.ts';
import { LineFeed, SyntheticFeed, type Feed } from './feed.ts';
import { MessageMaker, recordLengthForFrame, type WireFraming } from './message-maker.ts';
import { SendUsageError, type SendOptions } from './options.ts';
import { TokenBucket, unlimited } from './rate-limiter.ts';
import { buildReport, type SendReport } from './report.ts';

/** A problem with the run's own files or settings, found before anything is sent. */
export class SendSetupError extends Error {}

/** the tls() option names endpoint errors use, and the flags the user typed */
const FLAG_OF: Array<[string, string]> = [
  ['ca-file()', '--ca-file'],
  ['ca-dir()', '--ca-dir'],
  ['cert-file()', '--cert'],
  ['key-file()', '--key'],
];

function clientEndpoint(o: SendOptions): TlsEndpoint {
  try {
    return createTlsEndpoint('client', {
      peerVerify: 'required-trusted',
      caFile: o.caFile,
      caDir: o.caDir,
      certFile: o.cert,
      keyFile: o.key,
    });
  } catch (e) {
    if (!(e instanceof TlsConfigError)) throw e;
    let text = e.message;
    for (const [opt, flag] of FLAG_OF) text = text.split(opt).join(flag);
    throw new SendSetupError(text);
  }
}

export interface RunHooks {
  /** called about four times a second while the run is going */
  onProgress?(sent: number, errors: number, elapsedMs: number): void;
  stdin?: Readable;
  /** fixed run id (tests) */
  run?: string;
  /** aborting ends the run early but cleanly: nothing new is sent, open streams are closed and confirmed */
  stop?: AbortSignal;
}

export const PROGRESS_MS = 250;

export async function runSend(o: SendOptions, hooks: RunHooks = {}): Promise<SendReport> {
  const run = hooks.run ?? randomBytes(4).toString('hex');
  const wire: WireFraming = o.transport === 'udp' ? 'datagram' : o.framing!;
  const makers = Array.from({ length: o.connections }, (_, i) => new MessageMaker({ format: o.format, framing: wire, sender: `${run}-${i + 1}`, size: o.size }));
  if (o.size !== undefined) {
    // the largest sequence number this run can reach must still fit (one connection may send them all)
    const lastSeq = o.count ?? 999_999_999;
    const need = makers[makers.length - 1].minimumRecord(lastSeq);
    if (need > recordLengthForFrame(o.size, wire)) {
      const frame = wire === 'octet' ? need + String(need).length + 1 : need;
      throw new SendUsageError(`--size ${o.size} is smaller than this run's smallest frame (${frame} bytes with an empty message)`);
    }
  }
  const endpoint = o.transport === 'tls' ? clientEndpoint(o) : undefined;
  let feed: Feed;
  if (o.fromFile !== undefined) {
    try {
      feed = new LineFeed({ path: o.fromFile, count: o.count, durationS: o.durationS, stdin: hooks.stdin });
    } catch (e) {
      throw new SendSetupError((e as Error).message);
    }
  } else {
    feed = new SyntheticFeed({ count: o.count, durationS: o.durationS });
  }
  const limiter = o.rate !== undefined ? new TokenBucket(o.rate) : unlimited;
  const halt = new AbortController();
  const stopNow = () => {
    feed.stop();
    limiter.close();
    halt.abort();
  };
  hooks.stop?.addEventListener('abort', stopNow, { once: true });
  // the feed ends a --duration run by itself; this timer also frees a write stuck on a receiver that stopped reading
  const deadline = o.durationS !== undefined ? setTimeout(stopNow, o.durationS * 1000) : undefined;
  const live = new Counters();
  const start = performance.now();
  const timer = hooks.onProgress ? setInterval(() => hooks.onProgress!(live.sent, live.errors, performance.now() - start), PROGRESS_MS) : undefined;
  timer?.unref();
  let results: ConnectionResult[];
  try {
    results = await Promise.all(makers.map((maker, i) => {
      const setup = { index: i + 1, host: o.host, port: o.port, maker, feed, limiter, framing: o.framing, tls: endpoint, hasKeyPair: o.cert !== undefined, halt: halt.signal };
      return o.transport === 'udp' ? runDatagram(setup, live) : runStream(setup, live);
    }));
  } finally {
    clearInterval(timer);
    clearTimeout(deadline);
    hooks.stop?.removeEventListener('abort', stopNow);
    stopNow();
  }
  const planned = feed.planned() ?? feed.granted;
  const inputError = feed instanceof LineFeed ? feed.readError : undefined;
  return buildReport(o, run, planned, results, performance.now() - start, inputError);
}
