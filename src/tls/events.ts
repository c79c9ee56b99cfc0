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

/** Reports a refused handshake: one line, one count. Call it once, where the refusal is decided. */
export function reportTlsFailure(failure: TlsFailure, side: TlsSide): void {
  emit(tlsHandshakeFailed, { failure, side });
}
