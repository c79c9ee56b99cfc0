/** A compiled `tls()` option block as the typed TlsOptions the tls layer takes. */
import type { OptionBlock } from './plan.ts';
import type { PeerVerify, TlsOptions } from '../tls/types.ts';
import type { SourceLocation } from '../core/location.ts';

type StringKey = 'caDir' | 'caFile' | 'certFile' | 'keyFile' | 'pkcs12File' | 'crlDir' | 'ecdhCurveList' | 'dhparamFile' | 'sigalgs' | 'clientSigalgs' | 'sslVersion' | 'keylogFile';
type BoolKey = 'sni' | 'ocspStaplingVerify' | 'extendedKeyUsageVerify' | 'allowCompress';

const STRINGS: Array<[StringKey, string]> = [
  ['caDir', 'ca-dir'],
  ['caFile', 'ca-file'],
  ['certFile', 'cert-file'],
  ['keyFile', 'key-file'],
  ['pkcs12File', 'pkcs12-file'],
  ['crlDir', 'crl-dir'],
  ['ecdhCurveList', 'ecdh-curve-list'],
  ['dhparamFile', 'dhparam-file'],
  ['sigalgs', 'sigalgs'],
  ['clientSigalgs', 'client-sigalgs'],
  ['sslVersion', 'ssl-version'],
  ['keylogFile', 'keylog-file'],
];

const BOOLS: Array<[BoolKey, string]> = [
  ['sni', 'sni'],
  ['ocspStaplingVerify', 'ocsp-stapling-verify'],
  ['extendedKeyUsageVerify', 'extended-key-usage-verify'],
  ['allowCompress', 'allow-compress'],
];

// the compiler validated every value against tlsSchema, so these only pick the type out
const str = (b: OptionBlock, name: string): string | undefined => {
  const v = b.values[name];
  return typeof v === 'string' ? v : undefined;
};
const bool = (b: OptionBlock, name: string): boolean | undefined => {
  const v = b.values[name];
  return typeof v === 'boolean' ? v : undefined;
};
const list = (b: OptionBlock, name: string): string[] | undefined => {
  const v = b.values[name];
  return Array.isArray(v) ? [...v] : undefined;
};

function locOrder(a: SourceLocation | undefined, b: SourceLocation | undefined): number {
  if (!a || !b) return 0;
  return a.line - b.line || a.column - b.column;
}

export function tlsOptionsFromBlock(b: OptionBlock): TlsOptions {
  const o: TlsOptions = {};
  const pv = str(b, 'peer-verify');
  if (pv) o.peerVerify = pv as PeerVerify;
  for (const [key, name] of STRINGS) {
    const v = str(b, name);
    if (v !== undefined) o[key] = v;
  }
  for (const [key, name] of BOOLS) {
    const v = bool(b, name);
    if (v !== undefined) o[key] = v;
  }
  // both keywords share one list in AxoSyslog: the one written last decides the list and whether
  // a listed leaf is trusted although invalid (trusted-fingerprints) or only narrows (trusted-keys)
  const last = (['trusted-fingerprints', 'trusted-keys'] as const)
    .filter((k) => b.values[k] !== undefined)
    .sort((x, y) => locOrder(b.locs[x], b.locs[y]))
    .at(-1);
  const fps = last ? list(b, last) : undefined;
  if (fps && fps.length > 0) {
    o.trustedKeys = fps;
    o.trustedFingerprintsMode = last === 'trusted-fingerprints';
  }
  const dn = list(b, 'trusted-dn');
  if (dn && dn.length > 0) o.trustedDn = dn;
  const cs = b.values['cipher-suite'];
  if (typeof cs === 'string') o.cipherSuite = cs;
  else if (cs && typeof cs === 'object' && !Array.isArray(cs) && cs.kind === 'block') {
    o.cipherSuiteTls12 = str(cs, 'tls12-and-older');
    o.cipherSuiteTls13 = str(cs, 'tls13');
  }
  const so = list(b, 'ssl-options');
  if (so) o.sslOptions = so;
  const cmds = list(b, 'openssl-conf-cmds');
  if (cmds && cmds.length > 0) {
    o.opensslConfCmds = [];
    for (let i = 0; i + 1 < cmds.length; i += 2) o.opensslConfCmds.push([cmds[i], cmds[i + 1]]);
  }
  return o;
}
