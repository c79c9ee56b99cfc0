/**
 * The one way a TLS handshake ends in refusal: the failure is logged and
 * counted once, then the connection is closed. Every refusal of the endpoint
 * goes through here, so anything the peer should learn before the close
 * belongs in this function too.
 */
import type * as tls from 'node:tls';
import { reportTlsFailure } from './events.ts';
import { closeAfterRejection } from './post-handshake-alert.ts';
import type { TlsFailure } from './types.ts';

/** Resolves once the connection is closed (after the TLS 1.3 alert, where one can be sent). */
export function rejectPeer(sock: tls.TLSSocket, failure: TlsFailure, role: 'server' | 'client'): Promise<void> {
  reportTlsFailure(failure, role === 'server' ? 'source' : 'destination');
  return closeAfterRejection(sock, failure.reason);
}
