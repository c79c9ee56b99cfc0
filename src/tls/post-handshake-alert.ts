/**
 * A TLS 1.3 alert after the handshake, for peers our verdict rejects.
 *
 * The certificate verdict is made in JS once OpenSSL has finished the
 * handshake, so OpenSSL never sends an alert for it and the peer only sees the
 * connection drop ("unexpected eof"). Node has no API to send an alert, but in
 * TLS 1.3 the first record after our Finished is protected with keys derived
 * from our application traffic secret (RFC 8446 §7.1, §7.3), which the
 * `keylog` event hands us. When it is certain that we have written no record
 * since the Finished (no session tickets, no application data), that record is
 * number 0 and can be built here and written on the TCP socket underneath.
 *
 * TLS 1.2 offers no such way: its record keys are derived from the master
 * secret and both hello randoms, and Node exposes the master secret and the
 * client random (keylog) but not the server random.
 */
import { createCipheriv, createHmac, type CipherGCMTypes } from 'node:crypto';
import type * as net from 'node:net';
import { duplexPair } from 'node:stream';
import * as tls from 'node:tls';
import { internalLog } from '../core/internal-log.ts';
import type { TlsReason } from './types.ts';

/** RFC 8446 §6 AlertDescription values used for our verdicts */
export const ALERT = {
  close_notify: 0,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  unknown_ca: 48,
  access_denied: 49,
  protocol_version: 70,
  internal_error: 80,
  bad_certificate_status_response: 113,
  certificate_required: 116,
} as const;

const CONTENT_ALERT = 21;
const CONTENT_APPLICATION_DATA = 23;

/**
 * The alert syslog-ng (OpenSSL's verify-error mapping) sends for each verdict
 * (tls-options spec §6.3). undefined: the failure is not a verdict on the
 * peer's certificate, so there is nothing for us to add.
 */
export function alertForReason(reason: TlsReason): number | undefined {
  switch (reason) {
    case 'no_peer_certificate':
      return ALERT.certificate_required;
    case 'unknown_ca':
    case 'self_signed':
    case 'invalid_ca_in_chain':
      return ALERT.unknown_ca;
    case 'expired':
      return ALERT.certificate_expired;
    case 'not_yet_valid':
    case 'crl_expired':
    case 'dn_mismatch':
      return ALERT.bad_certificate;
    case 'revoked':
      return ALERT.certificate_revoked;
    case 'bad_purpose':
      return ALERT.unsupported_certificate;
    // OpenSSL has no X.509 code for these rejections and substitutes "unspecified"
    case 'hostname_mismatch':
    case 'fingerprint_mismatch':
      return ALERT.internal_error;
    case 'ocsp_failed':
      return ALERT.bad_certificate_status_response;
    case 'handshake_failed':
      return ALERT.certificate_unknown;
    default:
      return undefined;
  }
}

interface Suite {
  hash: 'sha256' | 'sha384';
  cipher: CipherGCMTypes | 'chacha20-poly1305' | 'aes-128-ccm';
  keyLength: number;
  tagLength: number;
}

/** RFC 8446 Appendix B.4, by the names OpenSSL/Node report in getCipher().standardName */
const SUITES: Record<string, Suite> = {
  TLS_AES_128_GCM_SHA256: { hash: 'sha256', cipher: 'aes-128-gcm', keyLength: 16, tagLength: 16 },
  TLS_AES_256_GCM_SHA384: { hash: 'sha384', cipher: 'aes-256-gcm', keyLength: 32, tagLength: 16 },
  TLS_CHACHA20_POLY1305_SHA256: { hash: 'sha256', cipher: 'chacha20-poly1305', keyLength: 32, tagLength: 16 },
  TLS_AES_128_CCM_SHA256: { hash: 'sha256', cipher: 'aes-128-ccm', keyLength: 16, tagLength: 16 },
  TLS_AES_128_CCM_8_SHA256: { hash: 'sha256', cipher: 'aes-128-ccm', keyLength: 16, tagLength: 8 },
};

export function isSupportedSuite(name: string): boolean {
  return Object.hasOwn(SUITES, name);
}

/** RFC 5869 HKDF-Expand (Node's hkdfSync always runs Extract first, which TLS 1.3 must not here). */
function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  let have = 0;
  for (let i = 1; have < length && i <= 255; i++) {
    prev = createHmac(hash, prk).update(prev).update(info).update(Buffer.of(i)).digest();
    out.push(prev);
    have += prev.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 8446 §7.1 HKDF-Expand-Label */
export function hkdfExpandLabel(hash: 'sha256' | 'sha384', secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, full.length), full, Buffer.of(context.length), context]);
  return hkdfExpand(hash, secret, info, length);
}

/** RFC 8446 §7.3: the write key and IV for one traffic secret. */
export function trafficKeys(suiteName: string, secret: Buffer): { key: Buffer; iv: Buffer } {
  const s = SUITES[suiteName];
  if (!s) throw new Error(`unsupported TLS 1.3 cipher suite ${suiteName}`);
  return {
    key: hkdfExpandLabel(s.hash, secret, 'key', Buffer.alloc(0), s.keyLength),
    iv: hkdfExpandLabel(s.hash, secret, 'iv', Buffer.alloc(0), 12),
  };
}

/**
 * One protected TLS 1.3 record (RFC 8446 §5.2): TLSInnerPlaintext = content,
 * real content type, no padding; outer type application_data, version 0x0303;
 * nonce = iv XOR the 64-bit sequence number.
 */
export function protectRecord(suiteName: string, secret: Buffer, seq: bigint, contentType: number, content: Buffer): Buffer {
  const s = SUITES[suiteName];
  if (!s) throw new Error(`unsupported TLS 1.3 cipher suite ${suiteName}`);
  const { key, iv } = trafficKeys(suiteName, secret);
  const nonce = Buffer.from(iv);
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(seq);
  for (let i = 0; i < 8; i++) nonce[4 + i] ^= seqBytes[i];
  const inner = Buffer.concat([content, Buffer.of(contentType)]);
  const length = inner.length + s.tagLength;
  const header = Buffer.of(CONTENT_APPLICATION_DATA, 0x03, 0x03, length >> 8, length & 0xff);
  // the union of cipher names has no single createCipheriv overload; each entry above is an AEAD
  const cipher = createCipheriv(s.cipher as CipherGCMTypes, key, nonce, { authTagLength: s.tagLength });
  cipher.setAAD(header, { plaintextLength: inner.length });
  const body = Buffer.concat([cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, body]);
}

/** A fatal alert record (level 2) protected as record number `seq`. */
export function alertRecord(suiteName: string, secret: Buffer, seq: bigint, description: number): Buffer {
  return protectRecord(suiteName, secret, seq, CONTENT_ALERT, Buffer.of(2, description));
}

/** keylog lines: `LABEL <client random hex> <secret hex>` (NSS key log format) */
function parseKeylogLine(line: Buffer): { label: string; secret: Buffer } | undefined {
  const m = /^([A-Z_0-9]+) [0-9a-fA-F]+ ([0-9a-fA-F]+)\s*$/.exec(line.toString('latin1'));
  return m ? { label: m[1], secret: Buffer.from(m[2], 'hex') } : undefined;
}

interface Armed {
  role: 'server' | 'client';
  raw: net.Socket;
  secret?: Buffer;
  handshakeDone: boolean;
  /** server: whether this context sends session tickets after the Finished */
  tickets?: Promise<TicketsVerdict>;
}

const armed = new WeakMap<tls.TLSSocket, Armed>();

/**
 * Prepares `sock` (just created over `raw`, handshake not started) so that a
 * later verdict can send an alert: keeps our own application traffic secret
 * from the keylog lines and notes when the handshake is done. A server also
 * learns (once per SecureContext) whether it sends session tickets.
 */
export function armPostHandshakeAlert(sock: tls.TLSSocket, raw: net.Socket, role: 'server' | 'client', context?: tls.SecureContext): void {
  const a: Armed = { role, raw, handshakeDone: false };
  if (role === 'server' && context) a.tickets = ticketsVerdict(context);
  armed.set(sock, a);
  const wanted = role === 'server' ? 'SERVER_TRAFFIC_SECRET_0' : 'CLIENT_TRAFFIC_SECRET_0';
  const onKeylog = (line: Buffer): void => {
    const k = parseKeylogLine(line);
    if (k?.label === wanted) {
      a.secret = k.secret;
      sock.off('keylog', onKeylog);
    }
  };
  sock.on('keylog', onKeylog);
  sock.once(role === 'server' ? 'secure' : 'secureConnect', () => {
    a.handshakeDone = true;
  });
}

export type TicketsVerdict = 'off' | 'on' | 'unknown';

const ticketCache = new WeakMap<tls.SecureContext, Promise<TicketsVerdict>>();

/** longest a rejected peer waits for the ticket probe before it is closed without an alert */
const PROBE_WAIT_MS = 2000;

/**
 * Whether a TLS 1.3 server with `context` sends session tickets after its
 * Finished. OpenSSL's NumTickets comes from the process's OpenSSL config
 * (openssl/logferry.cnf sets 0) and has no Node API, so it is observed: one
 * handshake over an in-memory pipe, the server then writes one byte, and the
 * client counts the tickets that arrived before that byte. Cached per context.
 * Unknown (probe failed or timed out) counts as "on": no alert then.
 */
export function ticketsVerdict(context: tls.SecureContext): Promise<TicketsVerdict> {
  let p = ticketCache.get(context);
  if (!p) {
    p = probeTickets(context);
    ticketCache.set(context, p);
  }
  return p;
}

function probeTickets(context: tls.SecureContext): Promise<TicketsVerdict> {
  return new Promise<TicketsVerdict>((resolve) => {
    let server: tls.TLSSocket | undefined;
    let client: tls.TLSSocket | undefined;
    let settled = false;
    const done = (v: TicketsVerdict): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server?.destroy();
      client?.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('unknown'), PROBE_WAIT_MS);
    timer.unref();
    try {
      const [a, b] = duplexPair();
      server = new tls.TLSSocket(a, { isServer: true, secureContext: context, requestCert: false, rejectUnauthorized: false });
      client = tls.connect({ socket: b, rejectUnauthorized: false, checkServerIdentity: () => undefined, minVersion: 'TLSv1.3' });
      let tickets = 0;
      server.on('error', () => done('unknown'));
      client.on('error', () => done('unknown'));
      // not inside 'secure': tickets OpenSSL has yet to flush must go out before this byte
      server.once('secure', () => setImmediate(() => server?.write('.')));
      client.on('session', () => tickets++);
      client.once('data', () => done(client!.getProtocol() === 'TLSv1.3' ? (tickets === 0 ? 'off' : 'on') : 'unknown'));
    } catch {
      done('unknown');
    }
  });
}

/** Why no alert was sent; undefined when it was. */
export type AlertSkip = 'not_armed' | 'no_alert_for_reason' | 'not_tls13' | 'handshake_not_done' | 'no_secret' | 'unsupported_suite' | 'tickets_on' | 'data_written' | 'socket_gone';


/** longest the alert write may take before the socket is closed anyway */
const WRITE_WAIT_MS = 1000;

/**
 * Closes a connection our verdict rejected; on TLS 1.3, first tells the peer
 * why with the fatal alert for `reason` (when the record can be numbered
 * correctly). Resolves once both sockets are destroyed (bounded: a server's
 * first rejection may wait for its ticket probe). Never throws.
 */
export function closeAfterRejection(sock: tls.TLSSocket, reason: TlsReason): Promise<void> {
  const a = armed.get(sock);
  armed.delete(sock);
  return new Promise<void>((resolve) => {
    const close = (outcome: AlertSkip | 'sent'): void => {
      sock.destroy();
      a?.raw.destroy();
      if (outcome === 'sent') internalLog('debug', 'TLS alert sent to the rejected peer', { alert: alertForReason(reason), reason });
      else if (outcome !== 'handshake_not_done' && outcome !== 'no_alert_for_reason' && outcome !== 'not_armed') {
        internalLog('debug', 'No TLS alert sent to the rejected peer, closing', { why: outcome, reason });
      }
      resolve();
    };
    if (!a) return close('not_armed');
    const early = precheck(sock, a, reason);
    if (early) return close(early);
    const tickets: Promise<TicketsVerdict> = a.role === 'client' ? Promise.resolve('off') : (a.tickets ?? Promise.resolve('unknown'));
    tickets.then(
      (t) => {
        if (t !== 'off') return close('tickets_on');
        // the 'secure'/'secureConnect' handlers run before OpenSSL's pending output (a client's own
        // Finished) is flushed to the socket; the alert has to follow it
        setImmediate(() => writeAlert(sock, a, reason, close));
      },
      () => close('tickets_on'),
    );
  });
}

function precheck(sock: tls.TLSSocket, a: Armed, reason: TlsReason): AlertSkip | undefined {
  if (alertForReason(reason) === undefined) return 'no_alert_for_reason';
  if (!a.handshakeDone) return 'handshake_not_done';
  if (sock.getProtocol() !== 'TLSv1.3') return 'not_tls13';
  if (!a.secret) return 'no_secret';
  if (!isSupportedSuite(sock.getCipher()?.standardName ?? '')) return 'unsupported_suite';
  return undefined;
}

function writeAlert(sock: tls.TLSSocket, a: Armed, reason: TlsReason, close: (outcome: AlertSkip | 'sent') => void): void {
  // anything written through the TLS layer would already have used record number 0
  if (sock.bytesWritten > 0) return close('data_written');
  if (sock.destroyed || a.raw.destroyed || !a.raw.writable) return close('socket_gone');
  let record: Buffer;
  try {
    record = alertRecord(sock.getCipher().standardName, a.secret!, 0n, alertForReason(reason)!);
  } catch {
    return close('unsupported_suite');
  }
  const timer = setTimeout(() => close('sent'), WRITE_WAIT_MS);
  timer.unref();
  try {
    // out now, not held back by Nagle until the close discards it
    a.raw.setNoDelay(true);
    a.raw.write(record, (err) => {
      clearTimeout(timer);
      close(err ? 'socket_gone' : 'sent');
    });
  } catch {
    clearTimeout(timer);
    close('socket_gone');
  }
}
