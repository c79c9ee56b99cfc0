/**
 * A compiled tls() block: SecureContext + verification for one side. Node's
 * TLS (OpenSSL) verifies the chain during the handshake without aborting it;
 * this file only gathers the facts (OpenSSL's result, the peer's chain) and
 * asks verify/ for the one verdict. A refusal leaves through rejectPeer().
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { isIP, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { internalLog } from '../core/internal-log.ts';
import { formatLocation, type SourceLocation } from '../core/location.ts';
import type { CertFacts, PeerAddress, PeerVerify, TlsAcceptExtra, TlsConnectExtra, TlsEndpoint, TlsOptions, TlsSession } from './types.ts';
import { TlsFailure } from './types.ts';
import { CertCache, parseCert, type ParsedCert } from './x509/cert.ts';
import { chainFindings, MODES, verdict, type VerdictLog } from './verify/index.ts';
import { rejectPeer } from './reject.ts';
import { emit as emitEvent } from '../core/telemetry.ts';
import { reportTlsFailure, tlsHandshakeCompleted, tlsPeerDisconnected } from './events.ts';
import { neverMatching, parseFingerprints, type FingerprintEntry } from './fingerprint.ts';
import { loadMaterial, materialFrom, snapshotOf, TlsConfigError, type Material, type MaterialSnapshot } from './material.ts';
import { createContext, planContext, type ContextPlan } from './context-options.ts';
import { certFacts } from './cert-facts.ts';
import {
  failureFromError, failureFromVerdict, failureNoPeerCertificate, failureTimeout, formatPeer, type DiagnoseContext,
} from './diagnose.ts';
import { armPostHandshakeAlert } from './post-handshake-alert.ts';
import { clientAlpnOffer, clientOffered } from './client-hello.ts';

export interface EndpointExtras {
  /** abort a handshake that has not finished after this long (default 30 s) */
  handshakeTimeoutMs?: number;
}

/** What handshakes use; replaced whole when new material arrives. */
interface Compiled {
  material: Material;
  plan: ContextPlan;
  context: tls.SecureContext;
  fingerprints: FingerprintEntry[] | undefined;
  keylogFd: number | undefined;
}

const DEST_ONLY: Array<[keyof TlsOptions, string]> = [
  ['sni', 'sni()'],
  ['ocspStaplingVerify', 'ocsp-stapling-verify()'],
  ['extendedKeyUsageVerify', 'extended-key-usage-verify()'],
];

function emit(logs: VerdictLog[]): void {
  for (const l of logs) internalLog(l.level, l.text, l.tags);
}

/**
 * The DER chain Node exposes for the peer, leaf first (it may include store
 * certificates; harmless). Node 24's client-side getPeerX509Certificate()
 * leaves later peer-certificate calls empty, so only getPeerCertificate() is used.
 */
const peerCerts = new CertCache();

function peerChain(sock: tls.TLSSocket, anchors: readonly ParsedCert[]): ParsedCert[] {
  const out: ParsedCert[] = [];
  let c: tls.DetailedPeerCertificate | undefined = sock.getPeerCertificate(true) as tls.DetailedPeerCertificate;
  const seen = new Set<string>();
  for (let i = 0; i < 16 && c && c.raw; i++) {
    const k = c.raw.toString('base64');
    if (seen.has(k)) break;
    seen.add(k);
    // store certificates come back on every handshake: reuse their parse
    const raw = c.raw;
    out.push(anchors.find((a) => a.der.equals(raw)) ?? peerCerts.parse(raw));
    c = c.issuerCertificate;
  }
  return out;
}

/** OpenSSL's verdict for the chain as Node computed it (server side has no public accessor). */
function libraryVerdict(sock: tls.TLSSocket, role: 'server' | 'client'): string | null {
  if (role === 'client') return (sock.authorizationError as unknown as string | null) ?? null;
  const h = (sock as unknown as { _handle?: { verifyError?: () => { code?: string } | null } })._handle;
  const e = h?.verifyError?.();
  return e?.code ?? null;
}

/** The config-time checks of one tls() block, in the order a user meets them. */
function checkSide(role: 'server' | 'client', opts: TlsOptions): void {
  if (role === 'server') {
    for (const [k, name] of DEST_ONLY) {
      if (opts[k]) throw new TlsConfigError(name, `${name} is only valid in a destination's tls() block`);
    }
  }
  if (role === 'client' && opts.ocspStaplingVerify) {
    throw new TlsConfigError('ocsp-stapling-verify()', 'ocsp-stapling-verify(yes) is not supported by logferry yet: Node.js can request a stapled OCSP response but has no OCSP verifier, and accepting it unchecked would be pretending; remove the option or use crl-dir()');
  }
}

function fingerprintsOf(opts: TlsOptions): FingerprintEntry[] | undefined {
  if (!opts.trustedKeys || opts.trustedKeys.length === 0) return undefined;
  try {
    return parseFingerprints(opts.trustedKeys);
  } catch (e) {
    throw new TlsConfigError(opts.trustedFingerprintsMode ? 'trusted-fingerprints()' : 'trusted-keys()', (e as Error).message);
  }
}

/** Runs `fn`, turning any failure into a TlsConfigError (config errors leave without a location: the driver that owns the block adds it, once). */
function asConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TlsConfigError) throw e;
    throw new TlsConfigError('tls()', (e as Error).message);
  }
}

function contextFor(role: 'server' | 'client', opts: TlsOptions, material: Material): { plan: ContextPlan; context: tls.SecureContext } {
  return asConfigError(() => {
    const plan = planContext(role, opts, material);
    return { plan, context: createContext(plan, opts) };
  });
}

function openKeylog(file: string): number {
  try {
    return openSync(file, 'a', 0o600);
  } catch (e) {
    throw new TlsConfigError('keylog-file()', `Error opening keylog-file; filename='${file}', error='${(e as Error).message}'`);
  }
}

/**
 * The reading half of a tls() block (the daemon's main thread): reads and
 * checks every file and option exactly as a handshake would need them, says
 * once what the user should know (unused ca-dir() files, a keylog in use…),
 * and returns the material as plain data. Throws TlsConfigError.
 * `rereading`: the block was loaded before, so warnings about the config
 * itself (not its files) were already given. `logs`: where the notes about the
 * files go instead of the log (rotation says them only when those files changed).
 */
export function loadTlsBlock(role: 'server' | 'client', opts: TlsOptions, location?: SourceLocation, { rereading = false, logs }: { rereading?: boolean; logs?: VerdictLog[] } = {}): MaterialSnapshot {
  const loc = location ? formatLocation(location) : undefined;
  checkSide(role, opts);
  const fingerprints = fingerprintsOf(opts);
  const bad = fingerprints ? neverMatching(fingerprints) : [];
  if (bad.length > 0 && !rereading) {
    internalLog('warning', 'trusted-fingerprints() entry can never match: fingerprints are compared as exact upper-case strings like SHA256:AB:CD:…', { entries: bad.join(' '), location: loc });
  }
  const material = asConfigError(() => loadMaterial(role, opts, loc));
  // building the context is the only way to learn whether OpenSSL accepts the options and files
  contextFor(role, opts, material);
  if (opts.keylogFile) {
    // created here as before; the handshaking side opens it for writing
    closeSync(openKeylog(opts.keylogFile));
    if (!rereading) internalLog('warning', 'WARNING: TLS keylog file has been set up, it should only be used during debugging sessions', { filename: opts.keylogFile, location: loc });
  }
  if (logs) logs.push(...material.logs);
  else emit(material.logs);
  return snapshotOf(material);
}

/** An endpoint whose certificates and CAs the daemon can replace while it runs. */
export interface RotatableTlsEndpoint extends TlsEndpoint {
  /** new handshakes use this material from now on; sessions already up keep theirs */
  useMaterial(snapshot: MaterialSnapshot): void;
  /** after new CA or CRL files: judge the live peers again, disconnect (and report) those now refused; how many */
  recheckPeers(): number;
  /** the certificates of the peers connected now (sessions whose peer sent one), at most `limit` */
  livePeers(limit: number): CertFacts[];
}

/**
 * The handshaking half (a worker): an endpoint from material another thread
 * read. Reads no certificate file and logs nothing at creation; `reread`, when
 * given, is what reload() uses to fetch fresh material.
 */
export function buildTlsEndpoint(
  role: 'server' | 'client',
  opts: TlsOptions,
  location: SourceLocation | undefined,
  snapshot: MaterialSnapshot,
  extras: EndpointExtras = {},
  reread?: () => MaterialSnapshot,
): RotatableTlsEndpoint {
  const loc = location ? formatLocation(location) : undefined;
  const mode: PeerVerify = opts.peerVerify ?? 'required-trusted';
  const timeoutMs = extras.handshakeTimeoutMs ?? 30_000;
  const side = role === 'server' ? 'source' : 'destination';
  checkSide(role, opts);
  const fingerprints = fingerprintsOf(opts);
  const keylogFd = opts.keylogFile ? openKeylog(opts.keylogFile) : undefined;

  const compile = (s: MaterialSnapshot): Compiled => {
    const material = asConfigError(() => materialFrom(s));
    return { material, ...contextFor(role, opts, material), fingerprints, keylogFd };
  };

  let cur = compile(snapshot);

  const diag = (c: Compiled, host?: string): DiagnoseContext => ({
    role,
    mode,
    location,
    caDir: c.material.caDir,
    caFile: opts.caFile,
    pkcs12File: opts.pkcs12File,
    crlDir: opts.crlDir,
    anchors: c.material.anchors,
    trustedDn: opts.trustedDn,
    host,
    versions: c.plan.versions,
    hasKeyPair: !!c.material.own,
    handshakeTimeoutMs: timeoutMs,
  });

  function handshake(sock: tls.TLSSocket, c: Compiled, peer: PeerAddress, host: string | undefined, clientOffered?: string, signal?: AbortSignal): Promise<TlsSession> {
    const d = { ...diag(c, host), clientOffered };
    return new Promise<TlsSession>((resolve, reject) => {
      let done = false;
      const finish = (err: TlsFailure | undefined, session?: TlsSession) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.off('error', onError);
        sock.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          // callers find the socket closed, after the TLS 1.3 alert where one could be sent
          void rejectPeer(sock, err, role).then(() => reject(err));
        } else resolve(session!);
      };
      const onError = (e: Error) => {
        let facts;
        try {
          const raw = sock.getPeerCertificate(false)?.raw;
          facts = raw ? certFacts(parseCert(raw)) : undefined;
        } catch {
          facts = undefined;
        }
        finish(failureFromError(e, d, peer, facts));
      };
      const onClose = () => finish(failureFromError(Object.assign(new Error('socket disconnected before the TLS handshake finished'), { code: 'ECONNRESET' }), d, peer));
      const timer = setTimeout(() => finish(failureTimeout(d, peer, timeoutMs)), timeoutMs);
      timer.unref?.();
      // the caller reports why it gave up; a refusal here would be a second report of the same connection
      const onAbort = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.off('error', onError);
        sock.off('close', onClose);
        sock.on('error', noop);
        sock.destroy();
        reject(signal!.reason);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.on('error', onError);
      sock.on('close', onClose);
      if (c.keylogFd !== undefined) {
        const fd = c.keylogFd;
        sock.on('keylog', (line: Buffer) => {
          try {
            writeSync(fd, line);
          } catch {
            // a full disk must not break the connection; the keylog is debug-only
          }
        });
      }
      sock.once(role === 'server' ? 'secure' : 'secureConnect', () => {
        try {
          finish(undefined, decide(sock, c, d, peer, host));
        } catch (e) {
          if (e instanceof TlsFailure) finish(e);
          else finish(failureFromError(e, d, peer));
        }
      });
    });
  }

  function decide(sock: tls.TLSSocket, c: Compiled, d: DiagnoseContext, peer: PeerAddress, host: string | undefined): TlsSession {
    const session = (facts?: TlsSession['peer']): TlsSession => ({
      socket: sock,
      peer: facts,
      protocol: sock.getProtocol() ?? '',
      cipher: sock.getCipher()?.name ?? '',
    });
    const chain = peerChain(sock, c.material.anchors);
    if (chain.length === 0) {
      // a client may only omit it where OpenSSL let it (optional-* modes); a server must always send one
      if (role === 'client') {
        throw new TlsFailure('handshake_failed', 'the server presented no certificate (anonymous TLS)', 'configure key-file() and cert-file() on the server', { peer, location });
      }
      if (MODES[mode].certificateRequired) throw failureNoPeerCertificate(d, peer);
      return session(undefined);
    }
    const res = judge(chain, c, MODES[mode].verifyChain ? libraryVerdict(sock, role) : null, host);
    emit(res.logs);
    const facts = certFacts(chain[0], res.matchedFingerprint);
    if (!res.ok) throw failureFromVerdict(res, d, peer, facts);
    return session(facts);
  }

  const findingsOf = (chain: readonly ParsedCert[], c: Compiled) =>
    chainFindings({ chain, anchors: c.material.anchors, crls: c.material.crls, purpose: role === 'server' ? 'clientAuth' : 'serverAuth', now: new Date() });

  /** The one verdict on a peer chain, at a handshake (OpenSSL's error given) or again later (rechecked). */
  function judge(chain: ParsedCert[], c: Compiled, opensslError: string | null, host: string | undefined) {
    return verdict({
      mode,
      side,
      chain,
      opensslError,
      findings: () => findingsOf(chain, c),
      fingerprints: c.fingerprints,
      fingerprintsAnchor: opts.trustedFingerprintsMode,
      trustedDn: opts.trustedDn,
      ignoreValidity: c.plan.flags.ignoreValidity,
      crlDirEmpty: c.material.crls !== undefined && c.material.crls.length === 0,
      ignoreHostnameMismatch: c.plan.flags.ignoreHostnameMismatch,
      ekuVerify: opts.extendedKeyUsageVerify,
      host,
      location: loc,
    });
  }

  /** sessions this endpoint opened that are still up: what a CA or CRL change checks again */
  const live = new Set<{ session: TlsSession; peer: PeerAddress; host: string | undefined }>();
  const track = (session: TlsSession, peer: PeerAddress, host: string | undefined): TlsSession => {
    // every handshake the endpoint accepted passes here once, on either side
    emitEvent(tlsHandshakeCompleted, { side, protocol: session.protocol, peer: formatPeer(peer), subject: session.peer?.subject, cipher: session.cipher });
    const entry = { session, peer, host };
    live.add(entry);
    session.socket.once('close', () => live.delete(entry));
    return session;
  };

  /**
   * Judges every live peer again with the current material, as a new handshake
   * would (OpenSSL's part is played by the findings: each is an error OpenSSL
   * would report for this chain now), and disconnects those now refused.
   */
  function recheckPeers(): number {
    if (!MODES[mode].verifyChain) return 0;
    const c = cur;
    let dropped = 0;
    for (const entry of [...live]) {
      const sock = entry.session.socket;
      if (sock.destroyed) continue;
      const chain = peerChain(sock, c.material.anchors);
      if (chain.length === 0) continue;
      const found = findingsOf(chain, c);
      const res = judge(chain, c, found.length > 0 ? found[found.length - 1].code : null, entry.host);
      if (res.ok) continue;
      live.delete(entry);
      const f = failureFromVerdict(res, diag(c, entry.host), entry.peer, certFacts(chain[0]));
      emitEvent(tlsPeerDisconnected, { failure: f, side });
      sock.destroy();
      dropped++;
    }
    return dropped;
  }

  return {
    role,
    location,
    accept(raw: Socket, peer: PeerAddress, signal?: AbortSignal, extra?: TlsAcceptExtra): Promise<TlsSession> {
      if (role !== 'server') return Promise.reject(new Error('accept() called on a client-side TLS endpoint'));
      const c = cur;
      // Node's ALPN selection refuses a client that offers none of the server's names (alert
      // no_application_protocol); a syslog port must not, so the name is set only when offered
      const offered = clientAlpnOffer(raw);
      const alpn = extra?.alpnProtocols?.find((p) => offered?.includes(p));
      const sock = new tls.TLSSocket(raw, {
        ...(alpn ? { ALPNProtocols: [alpn] } : {}),
        isServer: true,
        secureContext: c.context,
        // optional-untrusted sends no CertificateRequest at all
        requestCert: MODES[mode].requestCertificate,
        // on a bare server TLSSocket this only makes OpenSSL fail the handshake when no certificate
        // is sent (alert certificate_required); chain errors reach the verdict
        rejectUnauthorized: MODES[mode].certificateRequired,
      });
      armPostHandshakeAlert(sock, raw, 'server', c.context);
      return handshake(sock, c, peer, undefined, clientOffered(raw), signal).then((sess) => track(sess, peer, undefined));
    },
    connect(raw: Socket, host: string, peer: PeerAddress, signal?: AbortSignal, extra?: TlsConnectExtra): Promise<TlsSession> {
      if (role !== 'client') return Promise.reject(new Error('connect() called on a server-side TLS endpoint'));
      const c = cur;
      let sock: tls.TLSSocket;
      try {
        sock = tls.connect({
          socket: raw,
          secureContext: c.context,
          // Node refuses IP literals in SNI (RFC 6066), so sni(yes) with an IP host sends none
          servername: opts.sni && !isIP(host) ? host : '',
          rejectUnauthorized: false,
          checkServerIdentity: () => undefined,
          // offered only; a peer that knows none of them answers without ALPN (alpnProtocol false)
          ...(extra?.alpnProtocols?.length ? { ALPNProtocols: [...extra.alpnProtocols] } : {}),
        });
        armPostHandshakeAlert(sock, raw, 'client');
      } catch (e) {
        const f = failureFromError(e, diag(c, host), peer);
        reportTlsFailure(f, side);
        raw.destroy();
        return Promise.reject(f);
      }
      return handshake(sock, c, peer, host, undefined, signal).then((sess) => track(sess, peer, host));
    },
    useMaterial(s: MaterialSnapshot): void {
      cur = compile(s);
    },
    recheckPeers,
    livePeers(limit: number): CertFacts[] {
      const out: CertFacts[] = [];
      for (const e of live) {
        if (out.length >= limit) break;
        if (e.session.peer && !e.session.socket.destroyed) out.push(e.session.peer);
      }
      return out;
    },
    async reload(): Promise<void> {
      if (!reread) throw new Error("this TLS endpoint takes its certificates from the daemon's main thread (a tls-material message); it reads no files itself");
      cur = compile(reread());
    },
  };
}

function noop(): void {}

/** Reads and builds in one call: for tools and tests, and wherever one thread does both. */
export function createTlsEndpoint(
  role: 'server' | 'client',
  opts: TlsOptions,
  location?: SourceLocation,
  extras: EndpointExtras = {},
): RotatableTlsEndpoint {
  return buildTlsEndpoint(role, opts, location, loadTlsBlock(role, opts, location), extras, () => loadTlsBlock(role, opts, location, { rereading: true }));
}

export { formatPeer };
