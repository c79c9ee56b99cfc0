/**
 * The one way a TLS handshake ends in refusal: the failure is logged and
 * counted once, then the connection is closed. Every refusal of the endpoint
 * goes through here, so anything the peer should learn before the close
 * belongs in this function too.
 */
import type * as tls from 'node:tls';
import { reportTlsFailure } from './diagnose.ts';
import type { TlsFailure } from './types.ts';

export function rejectPeer(sock: tls.TLSSocket, failure: TlsFailure, role: 'server' | 'client'): void {
  reportTlsFailure(failure, role === 'server' ? 'source' : 'destination');
  sock.destroy();
}
