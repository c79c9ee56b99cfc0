/**
 * What the TLS layer reports. A refused handshake is one event, emitted where
 * the refusal is decided: by the endpoint for everything it saw (rejectPeer),
 * by the transport for what never reached the endpoint (a silent peer, plain
 * text on a TLS port). Nobody above re-reports it.
 */
import { formatLocation } from '../core/location.ts';
import { defineEvent, emit } from '../core/telemetry.ts';
import { formatPeer } from './diagnose.ts';
import type { TlsFailure } from './types.ts';

/** source: we were the server; destination: we were the client */
export type TlsSide = 'source' | 'destination';

export const tlsHandshakeFailed = defineEvent<{ failure: TlsFailure; side: TlsSide }>({
  name: 'tls_handshake_failed',
  level: 'error',
  text: 'TLS handshake failed',
  counter: 'tls_handshake_failures_total',
  labels: ({ failure, side }) => ({ side, reason: failure.reason }),
  tags: ({ failure: f }) => ({
    peer: formatPeer(f.peer),
    location: f.location ? formatLocation(f.location) : undefined,
    subject: f.facts?.subject,
    issuer: f.facts?.issuer,
    serial: f.facts?.serial,
    not_before: f.facts?.validFrom,
    not_after: f.facts?.validTo,
    reason: f.reason,
    error: f.message,
    fix: f.fix,
  }),
});

/**
 * A handshake that ended with a session the endpoint accepted (one per
 * connection). Labelled by side and protocol version only, both bounded; who
 * the peer was goes to the debug line.
 */
export const tlsHandshakeCompleted = defineEvent<{ side: TlsSide; protocol: string; peer: string; subject: string | undefined; cipher: string }>({
  name: 'tls_handshake_completed',
  level: 'debug',
  text: 'TLS handshake completed',
  counter: 'tls_handshakes_total',
  labels: ({ side, protocol }) => ({ side, protocol }),
  tags: ({ peer, subject, protocol, cipher }) => ({ peer, subject, protocol, cipher }),
});

/** Reports a refused handshake: one line, one count. Call it once, where the refusal is decided. */
export function reportTlsFailure(failure: TlsFailure, side: TlsSide): void {
  emit(tlsHandshakeFailed, { failure, side });
}

/** What a rotation (new files of a tls() block, read without a restart) is about: the block and its own certificate. */
export interface RotationFields {
  role: 'server' | 'client';
  /** the tls() block's file:line:col */
  location: string | undefined;
  subject?: string;
  serial?: string;
  notAfter?: string;
  /** what changed: certificate, ca, crl (comma-separated) */
  changed?: string;
}

export const tlsMaterialRotated = defineEvent<RotationFields>({
  name: 'tls_material_rotated',
  level: 'notice',
  text: 'TLS files of a tls() block changed; new handshakes use them, connections already up keep theirs',
  counter: 'tls_rotations_total',
  labels: ({ role }) => ({ side: role === 'server' ? 'source' : 'destination' }),
  tags: ({ location, subject, serial, notAfter, changed }) => ({ location, changed, subject, serial, not_after: notAfter }),
});

export const tlsMaterialRefused = defineEvent<RotationFields & { error: string; fix: string }>({
  name: 'tls_material_refused',
  level: 'error',
  text: 'TLS files of a tls() block changed but are not usable; the last good ones stay in use',
  counter: 'tls_rotations_refused_total',
  labels: ({ role }) => ({ side: role === 'server' ? 'source' : 'destination' }),
  tags: ({ location, error, fix }) => ({ location, error, fix }),
});

/** A peer already connected whose certificate the new CA or CRL files no longer accept. */
export const tlsPeerDisconnected = defineEvent<{ failure: TlsFailure; side: TlsSide }>({
  name: 'tls_peer_disconnected',
  level: 'error',
  text: 'TLS peer disconnected: the new CA or CRL files no longer accept its certificate',
  counter: 'tls_peers_disconnected_total',
  labels: ({ failure, side }) => ({ side, reason: failure.reason }),
  tags: ({ failure: f }) => ({
    peer: formatPeer(f.peer),
    location: f.location ? formatLocation(f.location) : undefined,
    subject: f.facts?.subject,
    serial: f.facts?.serial,
    reason: f.reason,
    error: f.message,
  }),
});
