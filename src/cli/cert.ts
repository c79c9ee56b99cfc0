/**
 * `logferry cert …`: a CA, server/client/intermediate certificates,
 * revocation, hashed directories, fingerprints and a plain-words inspection,
 * without the openssl command. One table per subcommand drives parsing, the
 * usage line and `--help`, so they cannot disagree.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './args.ts';
import { KEY_KINDS, type KeyKind } from '../pki/keys.ts';
import { parseSan, SanError, type SanEntry } from '../pki/san.ts';
import { caPaths, DEFAULT_CRL_DAYS, DEFAULT_DAYS, initCa, issue, NameError, revoke } from '../pki/store.ts';
import { rehash } from '../pki/rehash.ts';
import { inspect } from '../pki/inspect.ts';
import { fingerprintOf } from '../tls/fingerprint.ts';
import { pemBlocks } from '../tls/x509/pem.ts';
import { parseCert } from '../tls/x509/cert.ts';

interface Opts {
  cn?: string;
  days?: number;
  key?: KeyKind;
  san?: SanEntry[];
  issuer?: string;
  sha1?: boolean;
}

interface OptRow {
  long: string;
  arg?: string;
  /** shown without brackets in the usage line */
  required?: boolean;
  help: string;
  apply: (o: Opts, v: string) => void;
}

interface Command {
  name: string;
  /** positional words of the usage line */
  args: string;
  minArgs: number;
  maxArgs: number;
  /** what it does, as --help says it (wrapped already) */
  about: string;
  options: OptRow[];
  run: (args: string[], o: Opts) => number;
}

function days(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 36500) throw new UsageError(`--days needs a whole number of days between 1 and 36500, got '${v}'`);
  return n;
}

const OPT = {
  cn: (help: string, required = false): OptRow => ({ long: 'cn', arg: 'NAME', required, help, apply: (o, v) => (o.cn = v) }),
  days: (help: string): OptRow => ({ long: 'days', arg: 'N', help, apply: (o, v) => (o.days = days(v)) }),
  key: {
    long: 'key', arg: 'ec|rsa', help: 'key type: ec (P-256, the default) or rsa (3072 bits)',
    apply: (o, v) => {
      if (!KEY_KINDS.includes(v as KeyKind)) throw new UsageError(`--key must be ec or rsa, got '${v}'`);
      o.key = v as KeyKind;
    },
  } satisfies OptRow,
};

const out = (s: string) => process.stdout.write(s + '\n');

const COMMANDS: Command[] = [
  {
    name: 'init-ca', args: 'DIR', minArgs: 1, maxArgs: 1,
    about: `Make a root CA in DIR: DIR/ca.pem, DIR/ca.key (mode 600) and DIR/ca.d/, the
hashed directory ca-dir() and crl-dir() read (a copy of ca.pem and its
<subject-hash>.0 link). DIR must not hold a CA yet.`,
    options: [
      OPT.cn("the CA's common name (default 'logferry CA')"),
      OPT.days(`validity in days (default ${DEFAULT_DAYS.ca})`),
      OPT.key,
    ],
    run([dir], o) {
      const w = initCa(dir, { cn: o.cn, days: o.days, key: o.key });
      const c = parseCert(pemBlocks(readFileSync(w.cert, 'latin1'))[0].der);
      out(`made CA '${c.subjectDn}', valid until ${c.notAfter.toISOString().slice(0, 10)}`);
      out(`  ${w.cert}\n  ${w.key} (mode 600)`);
      for (const l of w.links) out(`  ${join(caPaths(dir).hashed, l)}`);
      out(`next: logferry cert issue server ${dir} --cn HOST-NAME`);
      return 0;
    },
  },
  {
    name: 'issue', args: 'server|client|intermediate DIR', minArgs: 2, maxArgs: 2,
    about: `Make a key and a certificate signed by the CA in DIR: DIR/NAME.pem and
DIR/NAME.key (mode 600), NAME being the --cn. A server certificate has
extendedKeyUsage serverAuth and its CN as a subjectAltName (DNS or IP), a
client certificate clientAuth; both have keyUsage digitalSignature. An
intermediate is a CA (pathlen 0) that also joins DIR/ca.d; sign with it by
--issuer NAME, and the leaf's file then holds the intermediate after it.`,
    options: [
      OPT.cn('common name, also the file name (required)', true),
      { long: 'san', arg: 'DNS:a,IP:b', help: 'more subjectAltName entries, comma-separated', apply: (o, v) => (o.san = [...(o.san ?? []), ...sanOrUsage(v)]) },
      OPT.days(`validity in days (default ${DEFAULT_DAYS.server}, ${DEFAULT_DAYS.intermediate} for an intermediate; never beyond the CA's)`),
      OPT.key,
      { long: 'issuer', arg: 'NAME', help: 'sign with the intermediate DIR/NAME.pem instead of DIR/ca.pem', apply: (o, v) => (o.issuer = v) },
    ],
    run([kind, dir], o) {
      if (kind !== 'server' && kind !== 'client' && kind !== 'intermediate') throw new UsageError(`issue: the kind must be server, client or intermediate, got '${kind}'`);
      if (o.cn === undefined) throw new UsageError('issue needs --cn NAME');
      const w = issue(dir, kind, { cn: o.cn, san: o.san, days: o.days, key: o.key, issuer: o.issuer });
      const c = parseCert(pemBlocks(readFileSync(w.cert, 'latin1'))[0].der);
      const san = c.san.map((s) => `${s.type.toUpperCase()}:${s.value}`).join(', ');
      out(`issued ${kind} certificate '${c.subjectDn}' by '${c.issuerDn}', valid until ${c.notAfter.toISOString().slice(0, 10)}${san ? `, names ${san}` : ''}`);
      out(`  ${w.cert}\n  ${w.key} (mode 600)`);
      for (const l of w.links) out(`  ${join(caPaths(dir).hashed, l)}`);
      if (kind !== 'intermediate') out(`use: tls(key-file("${resolve(w.key)}") cert-file("${resolve(w.cert)}") ca-dir("${resolve(caPaths(dir).hashed)}"))`);
      return 0;
    },
  },
  {
    name: 'revoke', args: 'DIR [CERT]', minArgs: 1, maxArgs: 2,
    about: `Add the certificate file CERT to the CRL of the CA in DIR that issued it
(DIR/crl.pem, or DIR/NAME.crl.pem for an intermediate), keeping the earlier
entries, with the next CRL number, and hash it into DIR/ca.d as
<issuer-hash>.r0. Without CERT, only re-sign the CRL with a new next update.
logferry with crl-dir() set to DIR/ca.d sees the change and disconnects the
peers now revoked; syslog-ng and rsyslog load CRLs when they start: restart them.`,
    options: [OPT.days(`days until the CRL's next update (default ${DEFAULT_CRL_DAYS}); re-sign before then`)],
    run([dir, cert], o) {
      const certPath = cert === undefined ? undefined : resolveCert(dir, cert);
      const r = revoke(dir, certPath, { days: o.days });
      if (certPath !== undefined) out(r.added ? `revoked serial ${r.serial} (${certPath})` : `serial ${r.serial} was already revoked; CRL re-signed`);
      else out('CRL re-signed');
      out(`  ${r.crl}: CRL number ${r.number}, next update ${r.nextUpdate.toISOString()}`);
      for (const l of r.links) out(`  ${join(caPaths(dir).hashed, l)}`);
      out(`peers with crl-dir("${resolve(caPaths(dir).hashed)}") refuse it: logferry at once, syslog-ng and rsyslog after a restart`);
      return 0;
    },
  },
  {
    name: 'rehash', args: 'DIR', minArgs: 1, maxArgs: 1,
    about: `Name the certificates and CRLs in DIR the way OpenSSL looks them up:
symlinks <subject-hash>.N to certificates and <issuer-hash>.rN to CRLs, as
'openssl rehash DIR' makes them (same numbers, existing links reused, links
nothing needs removed). Files must end in .pem, .crt, .cer or .crl and hold
exactly one certificate or CRL.`,
    options: [],
    run([dir]) {
      const r = rehash(dir);
      for (const w of r.warnings) process.stderr.write(`logferry cert rehash: warning: ${w}\n`);
      for (const l of r.links) out(`${l.made ? 'link' : 'kept'} ${l.name} -> ${l.target}`);
      for (const n of r.removed) out(`removed ${n}`);
      return 0;
    },
  },
  {
    name: 'fingerprint', args: 'FILE', minArgs: 1, maxArgs: 1,
    about: `Print the fingerprint of the (first) certificate in FILE exactly as
trusted-keys() and trusted-fingerprints() take it: SHA256:AB:CD:...`,
    options: [{ long: 'sha1', help: 'SHA-1 instead of SHA-256 (SHA1:AB:...)', apply: (o) => (o.sha1 = true) }],
    run([file], o) {
      const der = firstCert(file);
      out(fingerprintOf(der, o.sha1 ? 'sha1' : 'sha256'));
      return 0;
    },
  },
  {
    name: 'inspect', args: 'FILE|DIR', minArgs: 1, maxArgs: 1,
    about: `Check a certificate or CRL file, or a whole CA directory, against the
ca.d beside it the way OpenSSL will: expired or not yet valid, a key that
does not match, a broken chain, a revoked certificate, a wrong
extendedKeyUsage, a stale CRL, files ca.d does not reach by their hash name.
Exit status 1 when anything is wrong.`,
    options: [],
    run([target]) {
      const findings = inspect(target);
      let problems = 0;
      for (const f of findings) {
        if (f.problem) problems++;
        out(`${f.file}: ${f.problem ? 'PROBLEM ' : ''}${f.text}`);
      }
      out(problems === 0 ? 'no problems found' : `${problems} problem${problems > 1 ? 's' : ''} found`);
      return problems === 0 ? 0 : 1;
    },
  },
];

function sanOrUsage(v: string): SanEntry[] {
  try {
    return parseSan(v);
  } catch (e) {
    if (e instanceof SanError) throw new UsageError(e.message);
    throw e;
  }
}

/** CERT may be a path or the NAME of DIR/NAME.pem */
function resolveCert(dir: string, cert: string): string {
  try {
    readFileSync(cert);
    return cert;
  } catch {
    const named = join(dir, cert.endsWith('.pem') ? cert : cert + '.pem');
    try {
      readFileSync(named);
      return named;
    } catch {
      throw new Error(`${cert} cannot be read and ${named} does not exist; give the certificate file to revoke`);
    }
  }
}

function firstCert(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new Error(`${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`);
  }
  const b = pemBlocks(text).find((x) => x.label === 'CERTIFICATE');
  if (b) return b.der;
  // a DER file is a certificate too, if it parses as one
  try {
    return parseCert(Buffer.from(text, 'latin1')).der;
  } catch {
    throw new Error(`${file} holds no certificate; give the PEM certificate file (not the key)`);
  }
}

export function usageLine(c: Command): string {
  const opts = c.options.map((r) => {
    const s = `--${r.long}${r.arg ? ' ' + r.arg : ''}`;
    return r.required ? s : `[${s}]`;
  });
  return ['logferry cert', c.name, c.args, ...opts].join(' ');
}

export function commandHelp(c: Command): string {
  const lines = [`Usage: ${usageLine(c)}`, '', c.about];
  if (c.options.length > 0) {
    lines.push('', 'Options:');
    for (const r of c.options) lines.push(`  --${r.long}${r.arg ? ' ' + r.arg : ''}`.padEnd(24) + r.help);
  }
  lines.push('', 'Exit status: 0 ok, 1 failure' + (c.name === 'inspect' ? ' or problems found' : '') + ', 2 usage error.');
  return lines.join('\n') + '\n';
}

export function certHelp(): string {
  const lines = [
    'Usage: logferry cert COMMAND ARGS...',
    '',
    'Make and check the certificates for syslog over TLS, without the openssl command.',
    '',
    'Commands:',
  ];
  for (const c of COMMANDS) lines.push(`  ${c.name} ${c.args}`);
  lines.push('', "'logferry cert COMMAND --help' describes a command and its options.");
  return lines.join('\n') + '\n';
}

/** Every help text with the command words it belongs to (docs/cli.md holds them verbatim). */
export function allCertHelp(): Array<{ words: string; text: string }> {
  return [{ words: 'logferry cert', text: certHelp() }, ...COMMANDS.map((c) => ({ words: `logferry cert ${c.name}`, text: commandHelp(c) }))];
}

function parse(c: Command, argv: string[]): { args: string[]; o: Opts; help: boolean } {
  const args: string[] = [];
  const o: Opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return { args, o, help: true };
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const row = c.options.find((r) => r.long === name);
      if (!row) throw new UsageError(`${c.name}: unknown option --${name}`);
      let v = '';
      if (row.arg) {
        if (eq > 0) v = a.slice(eq + 1);
        else if (i + 1 < argv.length) v = argv[++i];
        else throw new UsageError(`--${name} needs a value (${row.arg})`);
      } else if (eq > 0) throw new UsageError(`--${name} takes no value`);
      row.apply(o, v);
    } else if (a.startsWith('-') && a.length > 1) {
      throw new UsageError(`${c.name}: unknown option ${a}`);
    } else args.push(a);
  }
  if (args.length < c.minArgs || args.length > c.maxArgs) throw new UsageError(`usage: ${usageLine(c)}`);
  return { args, o, help: false };
}

/** Runs `logferry cert ARGV`; returns the exit status (usage errors throw UsageError). */
export function runCert(argv: string[]): number {
  const [name, ...rest] = argv;
  if (name === '-h' || name === '--help') {
    process.stdout.write(certHelp());
    return 0;
  }
  if (name === undefined) throw new UsageError(`a command is needed: ${COMMANDS.map((x) => x.name).join(', ')}`);
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new UsageError(`cert: unknown command '${name}' (one of ${COMMANDS.map((x) => x.name).join(', ')})`);
  const p = parse(c, rest);
  if (p.help) {
    process.stdout.write(commandHelp(c));
    return 0;
  }
  try {
    return c.run(p.args, p.o);
  } catch (e) {
    if (e instanceof NameError) throw new UsageError(e.message);
    throw e;
  }
}
