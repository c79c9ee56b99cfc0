/**
 * tls() options → Node SecureContext options. Pure apart from the already
 * loaded material, so the mapping is table-testable. Options Node cannot
 * honour are refused here, with the reason, instead of being silently dropped.
 */
import { constants } from 'node:crypto';
import * as tls from 'node:tls';
import type { TlsOptions } from './types.ts';
import { toPem } from './x509/pem.ts';
import { TlsConfigError, type Material } from './material.ts';

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const VERSIONS: TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const NO_FLAG: Record<TlsVersion, number> = {
  TLSv1: constants.SSL_OP_NO_TLSv1,
  'TLSv1.1': constants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': constants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': constants.SSL_OP_NO_TLSv1_3,
};
/** OpenSSL 3's SSL_OP_IGNORE_UNEXPECTED_EOF (not exported by node:crypto) */
const SSL_OP_IGNORE_UNEXPECTED_EOF = 0x80;

export interface PolicyFlags {
  ignoreValidity: boolean;
  ignoreHostnameMismatch: boolean;
  ignoreUnexpectedEof: boolean;
}

export interface ContextPlan {
  options: tls.SecureContextOptions;
  flags: PolicyFlags;
  /** versions the context allows, lowest first (for diagnostics) */
  versions: TlsVersion[];
}

const norm = (s: string) => s.toLowerCase().replace(/_/g, '-');

const SSL_VERSION: Record<string, TlsVersion> = {
  sslv3: 'TLSv1', // Node has no SSLv3: "at least SSLv3" means TLS 1.0 and newer
  tlsv1: 'TLSv1',
  'tlsv1-0': 'TLSv1',
  'tlsv1-1': 'TLSv1.1',
  'tlsv1-2': 'TLSv1.2',
  'tlsv1-3': 'TLSv1.3',
};

function splitDefaultCiphers(): { c12: string; c13: string } {
  const parts = tls.DEFAULT_CIPHERS.split(':');
  return { c12: parts.filter((p) => !p.startsWith('TLS_')).join(':'), c13: parts.filter((p) => p.startsWith('TLS_')).join(':') };
}

interface ConfCmdEffect {
  ciphers12?: string;
  ciphers13?: string;
  minV?: TlsVersion;
  maxV?: TlsVersion;
  protocolSet?: Set<TlsVersion>;
  groups?: string;
  sigalgs?: string;
  serverPref?: boolean;
  extraOptions: number;
}

const PROTO_NAME: Record<string, TlsVersion | 'SSLv3'> = { sslv3: 'SSLv3', tlsv1: 'TLSv1', 'tlsv1.1': 'TLSv1.1', 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' };

function confError(cmd: string, val: string, why: string): TlsConfigError {
  return new TlsConfigError('openssl-conf-cmds()', `Error setting up SSL conf context, invalid cmd or value in config list; cmd='${cmd}', value='${val}' (${why})`);
}

/** The SSL_CONF commands logferry can express with Node's options; anything else is refused. */
function applyConfCmds(cmds: Array<[string, string]>): ConfCmdEffect {
  const eff: ConfCmdEffect = { extraOptions: 0 };
  for (const [cmd, val] of cmds) {
    switch (cmd.toLowerCase()) {
      case 'cipherstring': eff.ciphers12 = val; break;
      case 'ciphersuites': eff.ciphers13 = val; break;
      case 'groups': case 'curves': eff.groups = val; break;
      case 'signaturealgorithms': eff.sigalgs = val; break;
      case 'minprotocol':
      case 'maxprotocol': {
        const v = PROTO_NAME[val.toLowerCase()];
        if (!v || v === 'SSLv3') throw confError(cmd, val, 'use TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3');
        if (cmd.toLowerCase() === 'minprotocol') eff.minV = v;
        else eff.maxV = v;
        break;
      }
      case 'protocol': {
        const set = eff.protocolSet ?? new Set<TlsVersion>(VERSIONS);
        for (const raw of val.split(',').map((s) => s.trim()).filter(Boolean)) {
          const neg = raw.startsWith('-');
          const name = raw.replace(/^[-+]/, '').toLowerCase();
          const list = name === 'all' ? VERSIONS : [PROTO_NAME[name]];
          if (list.some((x) => x === undefined)) throw confError(cmd, val, `unknown protocol '${raw}'`);
          for (const v of list) if (v !== 'SSLv3') neg ? set.delete(v) : set.add(v);
        }
        eff.protocolSet = set;
        break;
      }
      case 'options': {
        for (const raw of val.split(',').map((s) => s.trim()).filter(Boolean)) {
          const neg = raw.startsWith('-');
          const name = raw.replace(/^[-+]/, '');
          const bit: Record<string, number> = {
            prioritizechacha: constants.SSL_OP_PRIORITIZE_CHACHA,
            norenegotiation: constants.SSL_OP_NO_RENEGOTIATION,
            compression: 0,
            sessionticket: 0,
            ignoreunexpectedeof: SSL_OP_IGNORE_UNEXPECTED_EOF,
          };
          const key = name.toLowerCase();
          if (key === 'serverpreference') eff.serverPref = !neg;
          else if (key in bit) {
            if (!neg) eff.extraOptions |= bit[key];
          } else throw confError(cmd, val, `option '${name}' is not supported by logferry`);
        }
        break;
      }
      default:
        throw confError(cmd, val, `'${cmd}' is not supported by logferry: Node's TLS has no SSL_CONF interface; supported: CipherString, Ciphersuites, Groups, Curves, SignatureAlgorithms, MinProtocol, MaxProtocol, Protocol, Options`);
    }
  }
  return eff;
}

export function planContext(role: 'server' | 'client', opts: TlsOptions, material: Material): ContextPlan {
  if (opts.allowCompress) {
    throw new TlsConfigError('allow-compress()', 'allow-compress(yes) cannot be honoured: Node.js builds OpenSSL without TLS compression (and compression is unsafe, see CRIME); remove allow-compress(yes)');
  }
  if (opts.clientSigalgs !== undefined && opts.clientSigalgs !== opts.sigalgs) {
    throw new TlsConfigError('client-sigalgs()', 'client-sigalgs() is not supported by logferry: Node.js has no separate client signature algorithm list; use sigalgs(), which then applies to client authentication too');
  }
  const flags: PolicyFlags = { ignoreValidity: false, ignoreHostnameMismatch: false, ignoreUnexpectedEof: false };
  let secureOptions = constants.SSL_OP_NO_COMPRESSION;
  const allowed = new Set<TlsVersion>(VERSIONS);
  // syslog-ng's default ssl-options() is `no-sslv2`, which counts as "options set" for server cipher order
  const sslOptions = opts.sslOptions ?? ['no-sslv2'];
  for (const word of sslOptions) {
    switch (norm(word)) {
      case 'no-sslv2': case 'no-sslv3': break; // Node never speaks SSL
      case 'no-tlsv1': allowed.delete('TLSv1'); break;
      case 'no-tlsv11': allowed.delete('TLSv1.1'); break;
      case 'no-tlsv12': allowed.delete('TLSv1.2'); break;
      case 'no-tlsv13': allowed.delete('TLSv1.3'); break;
      case 'ignore-unexpected-eof': flags.ignoreUnexpectedEof = true; secureOptions |= SSL_OP_IGNORE_UNEXPECTED_EOF; break;
      case 'ignore-hostname-mismatch': flags.ignoreHostnameMismatch = true; break;
      case 'ignore-validity-period': flags.ignoreValidity = true; break;
      default:
        throw new TlsConfigError('ssl-options()', `unknown ssl-options() argument '${word}'; valid: no-sslv2, no-sslv3, no-tlsv1, no-tlsv11, no-tlsv12, no-tlsv13, ignore-unexpected-eof, ignore-hostname-mismatch, ignore-validity-period (write ssl-options() for none)`);
    }
  }
  // Node's floor is TLS 1.2 unless ssl-version() asks for an older minimum
  let minV: TlsVersion = tls.DEFAULT_MIN_VERSION as TlsVersion;
  if (opts.sslVersion !== undefined) {
    const v = SSL_VERSION[norm(opts.sslVersion)];
    if (!v) throw new TlsConfigError('ssl-version()', `unknown ssl-version() argument '${opts.sslVersion}'; valid: sslv3, tlsv1, tlsv1_0, tlsv1_1, tlsv1_2, tlsv1_3`);
    minV = v;
  }
  const def = splitDefaultCiphers();
  let c12 = opts.cipherSuiteTls12 ?? opts.cipherSuite ?? def.c12;
  let c13 = opts.cipherSuiteTls13 ?? def.c13;
  let groups = opts.ecdhCurveList;
  let sigalgs = opts.sigalgs;
  let serverPref = sslOptions.length > 0;
  let maxV: TlsVersion = 'TLSv1.3';
  if (opts.opensslConfCmds && opts.opensslConfCmds.length > 0) {
    const eff = applyConfCmds(opts.opensslConfCmds);
    c12 = eff.ciphers12 ?? c12;
    c13 = eff.ciphers13 ?? c13;
    groups = eff.groups ?? groups;
    sigalgs = eff.sigalgs ?? sigalgs;
    if (eff.minV) minV = eff.minV;
    if (eff.maxV) maxV = eff.maxV;
    if (eff.protocolSet) for (const v of VERSIONS) if (!eff.protocolSet.has(v)) allowed.delete(v);
    if (eff.serverPref !== undefined) serverPref = eff.serverPref;
    secureOptions |= eff.extraOptions;
  }
  const versions = VERSIONS.filter((v) => allowed.has(v) && VERSIONS.indexOf(v) >= VERSIONS.indexOf(minV) && VERSIONS.indexOf(v) <= VERSIONS.indexOf(maxV));
  if (versions.length === 0) {
    throw new TlsConfigError('ssl-options()', `ssl-options()/ssl-version() leave no TLS version enabled (minimum ${minV}, disabled: ${VERSIONS.filter((v) => !allowed.has(v)).join(', ') || 'none'}); enable at least one of TLSv1.2 / TLSv1.3`);
  }
  // holes inside [min, max] are closed with the per-version option bits
  for (const v of VERSIONS.slice(VERSIONS.indexOf(versions[0]), VERSIONS.indexOf(versions[versions.length - 1]) + 1)) {
    if (!allowed.has(v)) secureOptions |= NO_FLAG[v];
  }
  if (c13.split(':').some((s) => s !== '' && !s.startsWith('TLS_'))) {
    throw new TlsConfigError('cipher-suite()', `cipher-suite(tls13("${c13}")): TLS 1.3 suites are named TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256…`);
  }
  const options: tls.SecureContextOptions = {
    // an explicit list, possibly empty: never OpenSSL's/Node's default root store
    ca: material.anchors.map((a) => toPem('CERTIFICATE', a.der)),
    minVersion: versions[0],
    maxVersion: versions[versions.length - 1],
    secureOptions,
    ciphers: [c12, c13].filter((s) => s !== '').join(':'),
  };
  if (role === 'server') {
    options.honorCipherOrder = serverPref;
    options.sessionIdContext = 'syslog';
  }
  // OpenSSL checks revocation itself (CRL_CHECK | CRL_CHECK_ALL, as AxoSyslog sets for crl-dir())
  if (material.crls && material.crls.length > 0) options.crl = material.crls.map((c) => c.pem);
  if (groups !== undefined) options.ecdhCurve = groups;
  if (sigalgs !== undefined) options.sigalgs = sigalgs;
  if (material.dhparamPem) options.dhparam = material.dhparamPem;
  if (material.pfx) {
    options.pfx = material.pfx;
    options.passphrase = '';
  } else if (material.keyPem && material.certPem) {
    options.key = material.keyPem;
    options.cert = material.certPem;
  }
  return { options, flags, versions };
}

/** Builds the SecureContext, turning OpenSSL's complaints into option-specific errors. */
export function createContext(plan: ContextPlan, opts: TlsOptions): tls.SecureContext {
  try {
    return tls.createSecureContext(plan.options);
  } catch (e) {
    const err = e as Error & { code?: string };
    const msg = err.message;
    if (/ECDH curve|curve/i.test(msg)) {
      throw new TlsConfigError('ecdh-curve-list()', `Error setting up TLS session context, invalid curve name in list; ecdh_curve_list='${plan.options.ecdhCurve}' (use names such as prime256v1:secp384r1:X25519)`);
    }
    if (err.code === 'ERR_SSL_NO_CIPHER_MATCH' || /cipher/i.test(msg)) {
      throw new TlsConfigError('cipher-suite()', `Error setting up TLS session context; tls_error='${msg}' — no cipher in cipher-suite() is known (${plan.options.ciphers}); list the available ones with: openssl ciphers -v`);
    }
    if (opts.sigalgs !== undefined && (err.code === undefined || /sigalg|signature/i.test(msg))) {
      throw new TlsConfigError('sigalgs()', `Error setting up TLS session context; sigalgs('${opts.sigalgs}') is not a valid signature algorithm list (use names such as RSA-PSS+SHA256:ECDSA+SHA256:ed25519)`);
    }
    if (opts.pkcs12File) {
      throw new TlsConfigError('pkcs12-file()', `pkcs12-file() ${opts.pkcs12File}: ${msg}; it must be a DER PKCS#12 bundle without passphrase`);
    }
    if (opts.dhparamFile) throw new TlsConfigError('dhparam-file()', `Error setting up TLS session context, invalid DH parameters; dhparam_file='${opts.dhparamFile}' (${msg})`);
    throw new TlsConfigError('tls()', `Error setting up TLS session context; tls_error='${msg}'`);
  }
}
