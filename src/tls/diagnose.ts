/**
 * Handshake failures in words: every verifier verdict and every Node/OpenSSL
 * error code becomes a TlsFailure with a stable reason, what happened (with
 * the certificate's own facts) and one sentence saying what to change.
 */
import type { SourceLocation } from '../core/location.ts';
import { TlsFailure, type CertFacts, type PeerAddress, type PeerVerify, type TlsReason } from './types.ts';
import type { ParsedCert } from './x509/cert.ts';
import { certFacts } from './cert-facts.ts';
import type { HashedDir } from './hashdir.ts';
import type { Verdict } from './verify/verdict.ts';
import { verifyText } from './verify/codes.ts';

/** What the endpoint knows about its own configuration, for explanations. */
export interface DiagnoseContext {
  role: 'server' | 'client';
  mode: PeerVerify;
  location?: SourceLocation;
  caDir?: HashedDir<ParsedCert>;
  caFile?: string;
  pkcs12File?: string;
  crlDir?: string;
  anchors: ParsedCert[];
  trustedDn?: string[];
  host?: string;
  versions?: string[];
  hasKeyPair: boolean;
  handshakeTimeoutMs?: number;
  /** server side: the versions the client's ClientHello offered, as client-hello.ts words them ("TLS 1.1 (its highest)") */
  clientOffered?: string;
}

export function formatPeer(p: PeerAddress | undefined): string | undefined {
  if (!p) return undefined;
  return p.family === 'IPv6' ? `AF_INET6([${p.address}]:${p.port})` : `AF_INET(${p.address}:${p.port})`;
}

function day(iso: Date | string): string {
  return (typeof iso === 'string' ? iso : iso.toISOString()).replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function trustStoreWords(ctx: DiagnoseContext): string {
  const parts: string[] = [];
  if (ctx.caDir) {
    const used = ctx.caDir.used.length ? ctx.caDir.used.join(', ') : 'none';
    const ign = ctx.caDir.ignored.length ? `; ignored: ${ctx.caDir.ignored.map((i) => `${i.file} (${i.why})`).join(', ')}` : '';
    parts.push(`ca-dir ${ctx.caDir.dir}, whose hashed names are ${used}${ign}`);
  }
  if (ctx.caFile) parts.push(`ca-file ${ctx.caFile}`);
  if (ctx.pkcs12File) parts.push(`the CAs of pkcs12-file ${ctx.pkcs12File}`);
  if (parts.length === 0) return 'no CA is configured (no ca-dir(), ca-file() or pkcs12-file()), so nothing can be trusted';
  const names = ctx.anchors.map((a) => `'${a.subjectDn}'`).join(', ');
  return `${parts.join(' and ')} (trusted: ${names || 'nothing'})`;
}

const whoPeer = (ctx: DiagnoseContext) => (ctx.role === 'server' ? 'client' : 'server');

/** The anchors' subjects: what this side would accept as an issuer. */
function acceptedCas(ctx: DiagnoseContext): string {
  return ctx.anchors.length ? ctx.anchors.map((a) => `'${a.subjectDn}'`).join(', ') : 'none (no CA is configured)';
}

/** TlsFailure for a certificate the verdict refused; the text always names the peer's own certificate first. */
export function failureFromVerdict(res: Verdict, ctx: DiagnoseContext, peer: PeerAddress | undefined, leaf: CertFacts | undefined): TlsFailure {
  const reason = res.reason ?? 'handshake_failed';
  const who = whoPeer(ctx);
  const atDepth = (res.depth ?? 0) > 0 && res.cert ? res.cert : undefined;
  // the certificate at fault: the peer's own, or a CA of its chain named as such
  const c = res.cert;
  const subj = leaf
    ? `'${leaf.subject}'${atDepth ? ` (its chain's CA certificate '${atDepth.subjectDn}' at depth ${res.depth})` : ''}`
    : c ? `'${c.subjectDn}'` : 'the certificate';
  let msg: string;
  let fix: string;
  switch (reason) {
    case 'unknown_ca': {
      const issuer = c?.issuerDn ?? '?';
      msg = `the ${who} certificate ${subj} was issued by '${issuer}', which this trust store does not authorise: ${trustStoreWords(ctx)}`;
      const add = ctx.caDir
        ? `put its certificate into ${ctx.caDir.dir} as ${c?.issuerHash}.0 (openssl x509 -hash -noout -in ca.pem prints the name)`
        : `add its certificate to ca-file() or to a ca-dir() as ${c?.issuerHash}.0`;
      fix = ctx.role === 'client'
        ? `the server is not authorised by this trust store: make sure this destination points at the intended server, and that it presents a certificate from one of the accepted CAs (${acceptedCas(ctx)}); only if '${issuer}' is a CA you intend to trust, ${add}`
        : `give the client a certificate from one of the accepted CAs (${acceptedCas(ctx)}); only if '${issuer}' is a CA you intend to trust, ${add}`;
      if (res.code === 'SELF_SIGNED_CERT_IN_CHAIN') msg += `; the chain ends in a self-signed CA that is not in the trust store`;
      break;
    }
    case 'self_signed':
      msg = `the ${who} certificate ${subj} is self-signed and is not in the trust store (${trustStoreWords(ctx)})`;
      fix = `the ${who} is not authorised by this trust store (accepted CAs: ${acceptedCas(ctx)}); issue the ${who} a certificate from one of them, or, only if this exact certificate is one you intend to trust, pin it with trusted-fingerprints("${leaf?.fingerprintSha256 ?? 'SHA256:…'}")`;
      break;
    case 'expired':
      msg = `the ${who} certificate ${subj} expired on ${c ? day(c.notAfter) : '?'}`;
      fix = `renew that certificate (or check this host's clock: it is now ${day(new Date())})`;
      break;
    case 'not_yet_valid':
      msg = `the ${who} certificate ${subj} is not valid before ${c ? day(c.notBefore) : '?'}`;
      fix = `check the clocks of both hosts (it is now ${day(new Date())} here) or reissue the certificate with a correct start date`;
      break;
    case 'revoked':
      msg = `the ${who} certificate ${subj} (serial ${c?.serial}) is revoked: ${res.detail ?? 'listed in a CRL of crl-dir()'}`;
      fix = `issue the ${who} a new certificate; a revoked one cannot be used again`;
      break;
    case 'crl_expired':
      msg = `the CRL for issuer '${c?.issuerDn}' in crl-dir ${ctx.crlDir} is ${res.code === 'CRL_NOT_YET_VALID' ? 'not yet valid' : 'out of date'}${res.detail ? `: ${res.detail}` : ''}`;
      fix = `fetch a current CRL from the CA and store it in ${ctx.crlDir} as ${c?.issuerHash}.r0`;
      break;
    case 'hostname_mismatch': {
      const nc = res.nameCheck;
      msg = nc && !nc.usedCn
        ? `host name '${ctx.host}' is not in the server certificate's SAN [${nc.candidates.join(', ')}]`
        : `host name '${ctx.host}' does not match the server certificate's CN '${nc?.lastPattern ?? ''}' (it has no subjectAltName)`;
      fix = `connect using a name the certificate lists, or reissue the server certificate with subjectAltName DNS:${ctx.host}`;
      break;
    }
    case 'fingerprint_mismatch':
      msg = `the ${who} certificate ${subj} (${leaf?.fingerprintSha256}) is valid but not listed in trusted-keys()/trusted-fingerprints()`;
      fix = `if this is the right certificate, add "${leaf?.fingerprintSha256}" (upper-case, exactly like this) to trusted-fingerprints()`;
      break;
    case 'dn_mismatch':
      msg = `the ${who} certificate subject ${subj} matches none of the trusted-dn() patterns [${(ctx.trustedDn ?? []).map((p) => `'${p}'`).join(', ')}]`;
      fix = `adjust trusted-dn(): the subject is printed most specific first, e.g. '${c?.subjectDn}', and * also matches commas`;
      break;
    case 'invalid_ca_in_chain':
      msg = `the certificate ${subj} at depth ${res.depth} of the ${who}'s chain signs other certificates but is not a CA (no basicConstraints CA:TRUE)`;
      fix = `the ${who} must send its own certificate followed by real CA certificates; reissue the intermediate with basicConstraints=critical,CA:TRUE`;
      break;
    case 'bad_purpose':
      msg = `the server certificate ${subj} is not allowed for TLS server use (extendedKeyUsage ${c?.eku ? 'lacks serverAuth' : 'missing'})`;
      fix = 'reissue it with extendedKeyUsage=serverAuth';
      break;
    default:
      msg = `the ${who} certificate ${subj} was rejected: ${verifyText(res.code ?? 'CERT_REJECTED')}${res.detail ? ` (${res.detail})` : ''}`;
      fix = 'check the certificate chain with: openssl verify -CApath <ca-dir> -untrusted <chain> <cert>';
  }
  return new TlsFailure(reason, msg, fix, { peer, facts: leaf, location: ctx.location });
}

export function failureNoPeerCertificate(ctx: DiagnoseContext, peer: PeerAddress | undefined, cause?: unknown): TlsFailure {
  return new TlsFailure(
    'no_peer_certificate',
    `the client sent no certificate but peer-verify is ${ctx.mode}`,
    'give the client key-file() and cert-file() with a certificate from a CA this source trusts (its ca-dir()/ca-file())',
    { peer, location: ctx.location, cause },
  );
}

export function failureTimeout(ctx: DiagnoseContext, peer: PeerAddress | undefined, ms: number): TlsFailure {
  return new TlsFailure(
    'handshake_timeout',
    `no TLS handshake completed within ${ms / 1000} s`,
    ctx.role === 'server'
      ? 'make sure the client speaks TLS to this port (transport("tls") on its side); an idle plain-TCP client looks like this'
      : 'make sure the server port runs TLS (transport("tls")) and is not a plain TCP listener waiting for data',
    { peer, location: ctx.location },
  );
}

/** Turns a Node/OpenSSL error during the handshake into a TlsFailure. */
export function failureFromError(err: unknown, ctx: DiagnoseContext, peer: PeerAddress | undefined, facts?: CertFacts): TlsFailure {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  const text = String(e?.message ?? err).split('\n')[0];
  const who = whoPeer(ctx);
  const mk = (reason: TlsReason, msg: string, fix: string) => new TlsFailure(reason, msg, fix, { peer, facts, location: ctx.location, cause: err });
  const versions = ctx.versions?.join(', ') ?? '';
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return failureNoPeerCertificate(ctx, peer, err);
  if (/WRONG_VERSION_NUMBER|HTTP_REQUEST|HTTPS_PROXY_REQUEST|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|RECORD_LAYER_FAILURE/.test(code)) {
    if (ctx.role === 'server') {
      const http = /HTTP/.test(code);
      return mk('plaintext_on_tls_port', http ? 'the client sent an HTTP request to a TLS port' : 'the client sent data that is not TLS: plaintext syslog sent to a TLS port?', 'configure the sender with transport("tls") and a tls() block, or send plain TCP to a port without TLS');
    }
    return mk('plaintext_on_tls_port', 'the server answered with something that is not TLS: is this a plain TCP syslog port?', 'use the server\'s TLS port (6514 for syslog()), or transport("tcp") if it does not do TLS');
  }
  if (code === 'ERR_SSL_NO_SHARED_CIPHER' || code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' && !ctx.hasKeyPair && ctx.role === 'server') {
    return mk('no_shared_cipher', ctx.role === 'server' && !ctx.hasKeyPair
      ? 'no cipher suite could be used because this source has no key pair'
      : `the two sides have no cipher suite in common`,
      ctx.role === 'server' && !ctx.hasKeyPair ? 'set key-file() and cert-file() in this source\'s tls()' : 'align cipher-suite() on both sides (openssl ciphers -v lists the names); ECDSA keys need ECDHE-ECDSA-* suites');
  }
  if (/UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|PROTOCOL_VERSION|TLSV1_ALERT_PROTOCOL_VERSION|VERSION_TOO_LOW|VERSION_TOO_HIGH/.test(code)) {
    const offered = ctx.clientOffered ? `; the client offered ${ctx.clientOffered}` : '';
    return mk('protocol_version', `no TLS version is allowed by both sides (this side allows ${versions}${offered})`, 'align ssl-version() / ssl-options() on both sides; TLS 1.2 and 1.3 are the safe common choice');
  }
  const alert = /ALERT_([A-Z_]+)$/.exec(code);
  if (alert) {
    const name = alert[1].toLowerCase().replace(/_/g, ' ');
    const fixes: Record<string, string> = {
      'unknown ca': `the ${who} does not accept the CA that issued our certificate: use a certificate from a CA the ${who} trusts (its log names the certificate under "Certificate validation failed"); only if the ${who}'s operator intends to trust our CA does it belong in the ${who}'s ca-dir()`,
      'certificate required': 'the server requires a client certificate: set key-file() and cert-file() in this destination\'s tls()',
      'certificate expired': 'our certificate has expired according to the peer: renew cert-file()',
      'certificate revoked': 'our certificate is revoked: get a new one issued',
      'bad certificate': `the ${who} rejected our certificate (its trusted-dn() or other constraints); see the ${who}'s log`,
      'certificate unknown': `the ${who} rejected our certificate; see the ${who}'s log`,
      'unsupported certificate': `our certificate is not allowed for this use (extendedKeyUsage); reissue it with clientAuth/serverAuth as needed`,
      'internal error': `the ${who} aborted the handshake (usually a host-name or fingerprint mismatch on its side); see the ${who}'s log`,
      'handshake failure': 'the two sides could not agree on parameters (cipher, signature algorithm, key type) or the peer has no key pair',
      'access denied': `the ${who} refused this connection`,
    };
    if (name === 'handshake failure') {
      // TLS 1.2 servers answer a missing client certificate with this alert too
      if (ctx.role === 'client' && !ctx.hasKeyPair) {
        return mk('peer_rejected_us', `the ${who} ended the handshake with alert '${name}'; we sent no client certificate`, 'if the server requires client certificates, set key-file() and cert-file() in this destination; otherwise align cipher-suite()/sigalgs() with the server');
      }
      return mk('no_shared_cipher', `the ${who} ended the handshake with alert '${name}'`, fixes[name]);
    }
    return mk('peer_rejected_us', `the ${who} rejected the handshake with alert '${name}'`, fixes[name] ?? `see the ${who}'s log for why`);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket disconnected|socket hang up/i.test(text)) {
    return mk('handshake_failed', `the ${who} closed the connection during the TLS handshake`, ctx.role === 'client'
      ? 'the server probably rejected our certificate or does not speak TLS here; check the server log'
      : 'the client gave up during the handshake (it may not trust our certificate); check the client log');
  }
  if (code === 'ERR_SSL_CERTIFICATE_VERIFY_FAILED') return mk('unknown_ca', 'the certificate chain could not be verified', 'check ca-dir()/ca-file() against the peer chain');
  return mk('handshake_failed', `TLS handshake failed: ${text}${code ? ` (${code})` : ''}`, 'see the error above; the peer\'s log usually says which side refused what');
}

export { certFacts };
