/**
 * The contract between `tls/` and the layers that use it. A `tls()` block is
 * compiled once into a TlsEndpoint; transports hand it raw sockets and get back
 * a verified TLS session or a TlsFailure that says why, in words a user can act on.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { SourceLocation } from '../core/location.ts';

export type PeerVerify = 'required-trusted' | 'required-untrusted' | 'optional-trusted' | 'optional-untrusted';

/** The `tls()` options, typed; undefined = not set. Paths are as written in the config. */
export interface TlsOptions {
  peerVerify?: PeerVerify;
  caDir?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  pkcs12File?: string;
  crlDir?: string;
  /** `ALG:HEX:HEX…` strings from trusted-keys() and trusted-fingerprints() */
  trustedKeys?: string[];
  /** true when the list came from trusted-fingerprints() (it may accept an invalid cert) */
  trustedFingerprintsMode?: boolean;
  trustedDn?: string[];
  cipherSuite?: string;
  cipherSuiteTls12?: string;
  cipherSuiteTls13?: string;
  ecdhCurveList?: string;
  dhparamFile?: string;
  sigalgs?: string;
  clientSigalgs?: string;
  sslOptions?: string[];
  sslVersion?: string;
  keylogFile?: string;
  opensslConfCmds?: Array<[string, string]>;
  /** destination only */
  sni?: boolean;
  ocspStaplingVerify?: boolean;
  extendedKeyUsageVerify?: boolean;
  allowCompress?: boolean;
}

/** Facts about a peer certificate, for messages and for diagnostics. */
export interface CertFacts {
  subject: string;
  issuer: string;
  serial: string;
  validFrom: string;
  validTo: string;
  cn?: string;
  o?: string;
  ou?: string;
  fingerprintSha256: string;
  fingerprintSha1: string;
  /** fingerprint string that matched trusted-keys()/trusted-fingerprints(), `SHA256:AB:…` */
  matchedFingerprint?: string;
}

export interface PeerAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** A stable, low-cardinality reason code (also the counter label). */
export type TlsReason =
  | 'no_peer_certificate'
  | 'unknown_ca'
  | 'self_signed'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'crl_expired'
  | 'hostname_mismatch'
  | 'fingerprint_mismatch'
  | 'dn_mismatch'
  | 'invalid_ca_in_chain'
  | 'bad_purpose'
  | 'plaintext_on_tls_port'
  | 'handshake_timeout'
  | 'protocol_version'
  | 'no_shared_cipher'
  | 'peer_rejected_us'
  | 'ocsp_failed'
  | 'handshake_failed';

export class TlsFailure extends Error {
  readonly reason: TlsReason;
  readonly peer: PeerAddress | undefined;
  readonly facts: CertFacts | undefined;
  /** one sentence telling the user what to change */
  readonly fix: string;
  readonly location: SourceLocation | undefined;
  constructor(reason: TlsReason, message: string, fix: string, opts: { peer?: PeerAddress; facts?: CertFacts; location?: SourceLocation; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TlsFailure';
    this.reason = reason;
    this.fix = fix;
    this.peer = opts.peer;
    this.facts = opts.facts;
    this.location = opts.location;
  }
}

export interface TlsSession {
  socket: tls.TLSSocket;
  /** present when the peer sent a certificate */
  peer?: CertFacts;
  protocol: string;
  cipher: string;
}

/** A compiled tls() block for one side. */
/** What a client connection adds to the endpoint's settings. */
export interface TlsConnectExtra {
  /** ALPN protocols to offer, most wanted first */
  alpnProtocols?: readonly string[];
}

/** What a server connection adds to the endpoint's settings. */
export interface TlsAcceptExtra {
  /**
   * ALPN protocols this listener speaks besides plain syslog, most wanted
   * first: one is selected only when the client's hello (as the listener
   * peeked at it) offered it; any other client gets no ALPN answer at all,
   * as from a server without ALPN, and is not refused.
   */
  alpnProtocols?: readonly string[];
}

export interface TlsEndpoint {
  readonly role: 'server' | 'client';
  readonly location: SourceLocation | undefined;
  /**
   * server: wrap an accepted socket, handshake, apply the verify policy. A
   * TlsFailure it rejects with has already been reported (tls/events.ts).
   * `signal`: the caller gave up (its own timeout, its close) and reports that
   * itself; the handshake stops, the socket is destroyed, nothing is reported.
   */
  accept(raw: net.Socket, peer: PeerAddress, signal?: AbortSignal, extra?: TlsAcceptExtra): Promise<TlsSession>;
  /** client: wrap a connected socket, handshake with `host` (name checks, SNI), apply the policy; reporting and `signal` as for accept() */
  connect(raw: net.Socket, host: string, peer: PeerAddress, signal?: AbortSignal, extra?: TlsConnectExtra): Promise<TlsSession>;
  /** re-read certificates, CAs and CRLs (for reload / rotation); new connections use the result */
  reload(): Promise<void>;
}
