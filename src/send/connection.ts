/**
 * One connection of a run: connect (and handshake), write batches of records
 * as fast as the rate limiter, the feed and the peer's backpressure allow,
 * then close cleanly. What the counts mean:
 *  - `sent`: records whose bytes were all written to the kernel (TLS: taken
 *    by the TLS layer and written); for UDP, datagrams the kernel accepted.
 *  - `acknowledged` (TCP/TLS): the records of a connection that ended
 *    cleanly: after our end of stream (FIN, or close_notify + FIN) the peer
 *    closed its side too. A receiver only sees our end of stream after it has
 *    read every byte before it, so its close confirms it read them all. Any
 *    error, or no close within CLOSE_WAIT_MS, leaves a connection at 0.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { BatchEncoder } from '../syslog/framing/batch-encoder.ts';
import { failureFromError } from '../tls/diagnose.ts';
import { TlsFailure, type PeerAddress, type TlsEndpoint } from '../tls/types.ts';
import { formatSockAddr, osErrorText, remoteOf } from '../transport/addresses.ts';
import type { Feed } from './feed.ts';
import type { MessageMaker } from './message-maker.ts';
import type { Limiter } from './rate-limiter.ts';

/** records per socket write */
export const BATCH = 256;
/** give up a TCP connect after this long */
export const CONNECT_TIMEOUT_MS = 10_000;
/** how long to wait for the peer's close after our end of stream */
export const CLOSE_WAIT_MS = 10_000;
/** UDP: datagrams handed to Node and not yet to the kernel */
const UDP_IN_FLIGHT = 512;

export interface ConnectionError {
  /** stable code: a TlsReason, or connect_failed / connection_lost / close_timeout / send_failed */
  reason: string;
  message: string;
  fix?: string;
}

export interface ConnectionResult {
  index: number;
  sender: string;
  /** messages this connection was given */
  granted: number;
  sent: number;
  /** null for UDP (no confirmation exists) */
  acknowledged: number | null;
  bytes: number;
  /** null for UDP */
  closedCleanly: boolean | null;
  tls?: { protocol: string; cipher: string };
  error?: ConnectionError;
}

export interface ConnectionSetup {
  index: number;
  host: string;
  port: number;
  maker: MessageMaker;
  feed: Feed;
  limiter: Limiter;
  /** tcp/tls */
  framing?: 'octet' | 'newline';
  tls?: TlsEndpoint;
  /** has a client certificate (for the words of a refusal) */
  hasKeyPair?: boolean;
  /** aborted when the run must stop sending (Ctrl-C, end of --duration): a write stuck on a receiver that stopped reading gives up */
  halt?: AbortSignal;
}

/** Live counters the progress line reads while the run is going. */
export class Counters {
  sent = 0;
  errors = 0;
}

/** One record from the feed, with the next sequence number. */
function nextRecord(c: ConnectionSetup, seq: number): string {
  const line = c.feed.nextLine();
  return line === undefined ? c.maker.synthetic(seq) : c.maker.withText(seq, line);
}

/** Asks limiter then feed for the next batch size; 0 = done. */
async function nextBatch(c: ConnectionSetup): Promise<number> {
  const want = await c.limiter.take(BATCH);
  if (want === 0) return 0;
  const n = await c.feed.grant(want);
  if (n < want) c.limiter.refund(want - n);
  return n;
}

function connectTcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT', errno: -110 }));
    }, CONNECT_TIMEOUT_MS);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    });
  });
}

function connectError(err: unknown, host: string, port: number, proto: string): ConnectionError {
  const e = err as NodeJS.ErrnoException;
  const where = `${proto} ${host}:${port}`;
  if (e?.code === 'ECONNREFUSED') return { reason: 'connect_failed', message: `connection refused by ${where}: nothing listens there`, fix: 'check HOST and PORT, and that the receiver is running' };
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return { reason: 'connect_failed', message: `cannot resolve host name '${host}'`, fix: 'check HOST (a name this machine can resolve, or an IP address)' };
  if (e?.code === 'ETIMEDOUT') return { reason: 'connect_failed', message: `no answer from ${where} within ${CONNECT_TIMEOUT_MS / 1000} s`, fix: 'check HOST and PORT and any firewall in between' };
  return { reason: 'connect_failed', message: `cannot connect to ${where}: ${osErrorText(err)}`, fix: 'check HOST and PORT, and that the receiver is running' };
}

/** The TLS layer words its fixes for a destination's tls() block; here the same settings are flags. */
const FLAG_WORDS: Array<[string, string]> = [
  ["set key-file() and cert-file() in this destination's tls()", 'give --cert and --key'],
  ['set key-file() and cert-file() in this destination', 'give --cert and --key'],
  ['add its certificate to ca-file() or to a ca-dir() as', 'add its certificate to --ca-file, or to --ca-dir as'],
  ['this destination', 'this send'],
];

export function inFlagWords(text: string): string {
  for (const [from, to] of FLAG_WORDS) text = text.split(from).join(to);
  return text;
}

function tlsError(f: TlsFailure): ConnectionError {
  return { reason: f.reason, message: inFlagWords(f.message), fix: inFlagWords(f.fix) };
}

/**
 * A TLS 1.3 server judges our certificate after our side of the handshake is
 * done: its refusal (an alert) arrives one round trip later, and a sender
 * that is already writing then sees only a broken pipe. So the first write
 * waits for the verdict: a session ticket (an OpenSSL server sends them once
 * it accepted us), the alert, or a few handshake times without either (a
 * server that sends no tickets, like logferry, and accepted us).
 */
export function peerVerdict(sock: tls.TLSSocket, handshakeMs: number, settled: () => boolean): Promise<void> {
  if (settled()) return Promise.resolve();
  const waitMs = Math.min(VERDICT_WAIT_MAX_MS, Math.max(VERDICT_WAIT_MIN_MS, 3 * handshakeMs));
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sock.off('session', done);
      sock.off('error', done);
      sock.off('close', done);
      sock.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    sock.once('session', done);
    sock.once('error', done);
    sock.once('close', done);
    sock.once('end', done);
  });
}

/** bounds of the wait for a TLS 1.3 server's verdict on our certificate */
export const VERDICT_WAIT_MIN_MS = 100;
export const VERDICT_WAIT_MAX_MS = 1000;

/** A TCP or TLS connection, start to clean close. Never throws. */
export async function runStream(c: ConnectionSetup, live: Counters): Promise<ConnectionResult> {
  const res: ConnectionResult = { index: c.index, sender: c.maker.sender, granted: 0, sent: 0, acknowledged: 0, bytes: 0, closedCleanly: false };
  const proto = c.tls ? 'tls' : 'tcp';
  let raw: net.Socket;
  try {
    raw = await connectTcp(c.host, c.port);
  } catch (e) {
    res.error = connectError(e, c.host, c.port, proto);
    live.errors++;
    return res;
  }
  const peer: PeerAddress = remoteOf(raw);
  let sock: net.Socket | tls.TLSSocket = raw;
  let handshakeMs = 0;
  if (c.tls) {
    const t0 = performance.now();
    try {
      const session = await c.tls.connect(raw, c.host, peer);
      handshakeMs = performance.now() - t0;
      sock = session.socket;
      res.tls = { protocol: session.protocol, cipher: session.cipher };
    } catch (e) {
      raw.destroy();
      res.error = e instanceof TlsFailure ? tlsError(e) : { reason: 'handshake_failed', message: `TLS handshake failed: ${(e as Error).message}` };
      live.errors++;
      return res;
    }
  }

  let failure: ConnectionError | undefined;
  let ending = false;
  let peerEnded = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const kick = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: ConnectionError) => {
    if (!failure) failure = err;
    kick();
  };
  const closedP = new Promise<void>((resolve) => sock.once('close', () => {
    closed = true;
    kick();
    resolve();
  }));
  sock.on('error', (e: NodeJS.ErrnoException) => {
    if (c.tls && /^ERR_SSL|^ERR_TLS/.test(e.code ?? '')) {
      // after the handshake only the peer's verdict on our certificate (TLS 1.3) or a broken record lands here
      const f = failureFromError(e, { role: 'client', mode: 'required-trusted', anchors: [], hasKeyPair: !!c.hasKeyPair, host: c.host }, peer);
      fail(tlsError(f));
    } else {
      fail({
        reason: 'connection_lost',
        message: `the connection to ${formatSockAddr(peer)} broke: ${osErrorText(e)}`,
        fix: c.tls && res.sent === 0
          ? "the receiver dropped the connection right after the TLS handshake, which is how some receivers refuse a client certificate; see the receiver's log"
          : "see the receiver's log for why it dropped the connection",
      });
    }
  });
  // a receiver sends nothing; reading keeps TLS records (tickets, alerts) flowing
  sock.on('data', () => {});
  sock.on('end', () => {
    peerEnded = true;
    if (!ending) fail({ reason: 'connection_lost', message: `the receiver at ${formatSockAddr(peer)} closed the connection before the end of the stream`, fix: "see the receiver's log for why it closed the connection" });
    kick();
  });
  sock.on('drain', kick);
  c.halt?.addEventListener('abort', kick);

  if (res.tls?.protocol === 'TLSv1.3') await peerVerdict(sock as tls.TLSSocket, handshakeMs, () => !!failure || closed);

  const enc = new BatchEncoder({ framing: c.framing === 'octet' ? 'octet-counted' : 'none', flushLines: BATCH });
  let seq = 0;
  let loops = 0;
  while (!failure && !closed) {
    const n = await nextBatch(c);
    if (n === 0 || failure || closed) {
      // granted but not written: the feed's total still counts them as not sent
      res.granted += n;
      break;
    }
    res.granted += n;
    for (let i = 0; i < n; i++) enc.add(nextRecord(c, ++seq));
    const buf = enc.take();
    const ok = sock.write(buf, (err) => {
      if (err) return;
      res.sent += n;
      res.bytes += buf.length;
      live.sent += n;
    });
    if (!ok && !failure && !closed && !c.halt?.aborted) await new Promise<void>((r) => (wake = r));
    // let timers (progress, rate) and socket events run now and then even when the kernel keeps up
    else if ((++loops & 63) === 0) await new Promise<void>((r) => setImmediate(r));
  }

  if (!failure && !closed) {
    ending = true;
    sock.end();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), CLOSE_WAIT_MS)));
    const r = await Promise.race([closedP, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      fail({ reason: 'close_timeout', message: `the receiver at ${formatSockAddr(peer)} did not close the connection within ${CLOSE_WAIT_MS / 1000} s of the end of the stream, so its receipt of the messages is not confirmed`, fix: 'check that the receiver is still reading (a full disk or queue stops it)' });
    }
  }
  c.halt?.removeEventListener('abort', kick);
  sock.destroy();
  raw.destroy();
  if (!closed) await closedP;
  if (!failure && !peerEnded) fail({ reason: 'connection_lost', message: `the connection to ${formatSockAddr(peer)} ended without the receiver's close`, fix: "see the receiver's log" });
  res.closedCleanly = !failure;
  res.acknowledged = failure ? 0 : res.sent;
  if (failure) {
    res.error = failure;
    live.errors++;
  }
  return res;
}

/** One UDP socket of a run. Never throws. */
export async function runDatagram(c: ConnectionSetup, live: Counters): Promise<ConnectionResult> {
  const res: ConnectionResult = { index: c.index, sender: c.maker.sender, granted: 0, sent: 0, acknowledged: null, bytes: 0, closedCleanly: null };
  let address: string;
  let family: 4 | 6;
  try {
    const a = net.isIP(c.host) ? { address: c.host, family: net.isIP(c.host) as 4 | 6 } : await dns.lookup(c.host);
    address = a.address;
    family = a.family === 6 ? 6 : 4;
  } catch (e) {
    res.error = connectError(e, c.host, c.port, 'udp');
    live.errors++;
    return res;
  }
  const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  let failure: ConnectionError | undefined;
  let wake: (() => void) | undefined;
  const kick = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const where = formatSockAddr({ address, port: c.port });
  const fail = (e: unknown) => {
    failure ??= (e as NodeJS.ErrnoException)?.code === 'ECONNREFUSED'
      ? { reason: 'connect_failed', message: `nothing listens on udp ${where} (the host answered "port unreachable")`, fix: 'check HOST and PORT, and that the receiver has a udp source there' }
      : { reason: 'send_failed', message: `sending to udp ${where} failed: ${osErrorText(e)}` };
    kick();
  };
  sock.on('error', fail);
  try {
    // connected: an ICMP "port unreachable" comes back as an error on a later send
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(c.port, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    fail(e);
  }
  let inFlight = 0;
  let seq = 0;
  let loops = 0;
  while (!failure) {
    const n = await nextBatch(c);
    res.granted += n;
    if (n === 0 || failure) break;
    for (let i = 0; i < n; i++) {
      const buf = Buffer.from(nextRecord(c, ++seq));
      inFlight++;
      sock.send(buf, (err) => {
        inFlight--;
        if (err) fail(err);
        else {
          res.sent++;
          res.bytes += buf.length;
          live.sent++;
        }
        if (inFlight < UDP_IN_FLIGHT / 2 || inFlight === 0) kick();
      });
    }
    if (inFlight >= UDP_IN_FLIGHT) await new Promise<void>((r) => (wake = r));
    else if ((++loops & 63) === 0) await new Promise<void>((r) => setImmediate(r));
  }
  // every datagram's callback comes (with an error once the socket broke): wait for the last one
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  await new Promise<void>((r) => sock.close(() => r()));
  if (failure) {
    res.error = failure;
    live.errors++;
  }
  return res;
}
