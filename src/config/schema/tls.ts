/** `tls()` options (tls-options.md §3), shared by sources and destinations. */
import type { OptionSchema, OptionRow } from './types.ts';

export const PEER_VERIFY_VALUES = ['required-trusted', 'required-untrusted', 'optional-trusted', 'optional-untrusted'] as const;
export const SSL_OPTIONS_VALUES = [
  'no-sslv2',
  'no-sslv3',
  'no-tlsv1',
  'no-tlsv11',
  'no-tlsv12',
  'no-tlsv13',
  'ignore-unexpected-eof',
  'ignore-hostname-mismatch',
  'ignore-validity-period',
] as const;
export const SSL_VERSION_VALUES = ['sslv3', 'tlsv1-0', 'tlsv1-1', 'tlsv1-2', 'tlsv1-3'] as const;

/**
 * `openssl-conf-cmds()` commands logferry can map onto Node's TLS options,
 * by lower-cased name ⇒ canonical spelling.
 */
export const OPENSSL_CONF_COMMANDS: Readonly<Record<string, string>> = {
  cipherstring: 'CipherString',
  ciphersuites: 'Ciphersuites',
  protocol: 'Protocol',
  minprotocol: 'MinProtocol',
  maxprotocol: 'MaxProtocol',
  options: 'Options',
  curves: 'Curves',
  groups: 'Groups',
  signaturealgorithms: 'SignatureAlgorithms',
  clientsignaturealgorithms: 'ClientSignatureAlgorithms',
};

/** `Options` words with a Node `secureOptions` equivalent (crypto.constants.SSL_OP_*). */
export const OPENSSL_CONF_OPTION_WORDS: Readonly<Record<string, string>> = {
  prioritizechacha: 'SSL_OP_PRIORITIZE_CHACHA',
  serverpreference: 'SSL_OP_CIPHER_SERVER_PREFERENCE',
  norenegotiation: 'SSL_OP_NO_RENEGOTIATION',
  sessionticket: 'SSL_OP_NO_TICKET',
  compression: 'SSL_OP_NO_COMPRESSION',
  middleboxcompat: 'SSL_OP_ENABLE_MIDDLEBOX_COMPAT',
  antireplay: 'SSL_OP_NO_ANTI_REPLAY',
  encryptthenmac: 'SSL_OP_NO_ENCRYPT_THEN_MAC',
  unsafelegacyrenegotiation: 'SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION',
  unsafelegacyserverconnect: 'SSL_OP_LEGACY_SERVER_CONNECT',
};

const PROTOCOL_WORDS = new Set(['all', 'sslv3', 'tlsv1', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3', 'none']);

/** Checks one `openssl-conf-cmds()` pair; returns the error text or undefined. */
export function checkOpensslConfCmd(cmd: string, value: string): string | undefined {
  const canon = OPENSSL_CONF_COMMANDS[cmd.toLowerCase()];
  if (!canon) {
    return `logferry cannot honour openssl-conf-cmds() command '${cmd}' on Node.js; supported commands: ${Object.values(OPENSSL_CONF_COMMANDS).join(', ')}`;
  }
  if (canon === 'Options') {
    for (const w of value.split(',').map((x) => x.trim()).filter((x) => x)) {
      const bare = w.replace(/^[-+]/, '').toLowerCase();
      if (!OPENSSL_CONF_OPTION_WORDS[bare]) return `logferry cannot honour openssl-conf-cmds() Options value '${w}' on Node.js`;
    }
  }
  if (canon === 'Protocol' || canon === 'MinProtocol' || canon === 'MaxProtocol') {
    for (const w of value.split(',').map((x) => x.trim()).filter((x) => x)) {
      const bare = w.replace(/^[-+]/, '').toLowerCase();
      if (!PROTOCOL_WORDS.has(bare)) return `Error setting up SSL conf context, invalid cmd or value in config list; cmd='${cmd}', value='${value}'`;
    }
  }
  return undefined;
}

export const cipherSuiteSchema: OptionSchema = {
  name: 'cipher-suite()',
  rows: [
    { name: 'tls12-and-older', type: { kind: 'string' }, doc: 'OpenSSL cipher list for TLS 1.2 and older' },
    { name: 'tls13', type: { kind: 'string' }, doc: 'TLS 1.3 cipher suites, colon separated' },
  ],
};

const dstOnly = ['destination'] as const;

const rows: OptionRow[] = [
  {
    name: 'peer-verify',
    type: {
      kind: 'enum',
      values: [...PEER_VERIFY_VALUES],
      aliases: { none: 'optional-untrusted' },
      fold: true,
      yesno: ['required-trusted', 'optional-untrusted'],
      error: 'unknown peer-verify() argument',
    },
    default: 'required-trusted',
    doc: 'whether the peer must present a certificate (required-*) and whether it must verify (*-trusted); none = optional-untrusted',
  },
  { name: 'ca-dir', type: { kind: 'path' }, doc: 'hashed directory of trusted CA certificates (<hash>.0); watched: a change (also a Kubernetes ..data swap) is checked and used for new handshakes without a restart, and connected peers it no longer trusts are disconnected' },
  { name: 'ca-file', type: { kind: 'existing-file' }, doc: 'PEM bundle of trusted CA certificates; watched: a change (also a Kubernetes ..data swap) is checked and used for new handshakes without a restart, and connected peers it no longer trusts are disconnected' },
  { name: 'cert-file', type: { kind: 'existing-file' }, doc: 'PEM certificate (chain) presented to the peer; watched: a change (also a Kubernetes ..data swap) is checked and used for new handshakes without a restart (a bad or expired replacement is refused once, the last good one stays)' },
  { name: 'key-file', type: { kind: 'existing-file' }, doc: 'PEM private key of cert-file(); watched: a change (also a Kubernetes ..data swap) is checked and used for new handshakes without a restart' },
  { name: 'pkcs12-file', type: { kind: 'existing-file' }, doc: 'PKCS#12 bundle with key, certificate and CA certificates (no passphrase); watched: a change (also a Kubernetes ..data swap) is checked and used for new handshakes without a restart' },
  { name: 'crl-dir', type: { kind: 'path' }, doc: 'hashed directory of CRLs (<hash>.r0); enables revocation checks; watched: a change (also a Kubernetes ..data swap) is checked and used for new handshakes without a restart, and connected peers now revoked are disconnected' },
  {
    name: 'trusted-fingerprints',
    type: { kind: 'string-list' },
    doc: 'accepted peer certificate fingerprints, "SHA256:AB:CD:…"; a listed leaf is trusted even when it does not verify',
  },
  {
    // kept apart from trusted-fingerprints(): in AxoSyslog it only narrows (never vouches for an invalid leaf)
    name: 'trusted-keys',
    type: { kind: 'string-list' },
    obsolete: [{ name: 'trusted-keys', change: 'trusted-fingerprints' }],
    doc: 'obsolete: fingerprints a valid peer certificate must also match',
  },
  { name: 'trusted-dn', type: { kind: 'string-list' }, doc: 'accepted peer subject DN glob patterns' },
  { name: 'cipher-suite', type: { kind: 'string-or-block', schema: () => cipherSuiteSchema }, doc: 'cipher list, or tls12-and-older() and tls13() lists' },
  {
    name: 'ecdh-curve-list',
    type: { kind: 'string' },
    obsolete: [{ name: 'curve-list', change: 'ecdh-curve-list' }],
    doc: 'colon separated ECDHE groups',
  },
  { name: 'dhparam-file', type: { kind: 'existing-file' }, doc: 'PEM Diffie-Hellman parameters for DHE suites' },
  { name: 'sigalgs', type: { kind: 'string' }, doc: 'signature algorithms, "ALG+HASH:…"' },
  { name: 'client-sigalgs', type: { kind: 'string' }, doc: 'signature algorithms for client authentication' },
  {
    name: 'ssl-options',
    type: { kind: 'flags', values: [...SSL_OPTIONS_VALUES], fold: true, error: 'unknown ssl-options() argument' },
    default: ['no-sslv2'],
    doc: 'protocol switches; replaces the default no-sslv2 entirely',
  },
  {
    name: 'ssl-version',
    type: { kind: 'enum', values: [...SSL_VERSION_VALUES], aliases: { tlsv1: 'tlsv1-0' }, fold: true, error: 'unknown ssl-version() argument' },
    doc: 'lowest protocol version allowed (tlsv1_2 ⇒ TLS 1.2 and newer)',
  },
  {
    name: 'allow-compress',
    type: { kind: 'yesno' },
    default: false,
    unsupported: (v) => (v === true ? 'logferry cannot honour allow-compress(yes): Node.js TLS never compresses; remove the option' : undefined),
    doc: 'TLS compression (not available on Node.js)',
  },
  { name: 'keylog-file', type: { kind: 'path' }, doc: 'append NSS key log lines (debugging only)' },
  { name: 'openssl-conf-cmds', type: { kind: 'pairs' }, doc: 'OpenSSL "Command" => "value" pairs, applied last; commands Node.js cannot apply are refused' },
  { name: 'sni', type: { kind: 'yesno' }, default: false, sides: dstOnly, doc: 'send the destination host name as TLS server_name (SNI)' },
  { name: 'ocsp-stapling-verify', type: { kind: 'yesno' }, default: false, sides: dstOnly, doc: 'require a good stapled OCSP response from the server' },
  { name: 'extended-key-usage-verify', type: { kind: 'yesno' }, default: false, sides: dstOnly, doc: 'require the server certificate to allow TLS server use' },
];

export const tlsSchema: OptionSchema = { name: 'tls()', rows };
