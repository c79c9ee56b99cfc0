/**
 * Destination host-name check, as syslog-ng does it: SAN DNS/IP entries,
 * the first CN only when there is no usable SAN entry, and its wildcard rules.
 */
import { isIP } from 'node:net';
import type { ParsedCert } from './x509/cert.ts';
import { firstText, OID } from './x509/name.ts';
import { formatIp, ipBytes } from './x509/ip.ts';

/** A `*`-only glob within one label (the `?` case is excluded before). */
function labelMatch(pattern: string, label: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === label;
  const pre = pattern.slice(0, star);
  const post = pattern.slice(star + 1);
  return label.length >= pre.length + post.length && label.startsWith(pre) && label.endsWith(post);
}

/**
 * syslog-ng's tls_wildcard_match(host, pattern): case-insensitive, label by
 * label, one `*` only in the left-most label, `?` never matches, IP hosts are
 * compared as addresses and never against wildcards.
 */
export function matchHostname(host: string, pattern: string): boolean {
  if (pattern.includes('?')) return false;
  if (isIP(host)) {
    if (pattern.includes('*')) return false;
    if (isIP(pattern) !== isIP(host)) return false;
    const a = ipBytes(host);
    const b = ipBytes(pattern);
    return !!a && !!b && formatIp(a) === formatIp(b);
  }
  // GLib splits '' into no labels at all: only an empty pattern matches an empty host
  if (pattern === '' || host === '') return pattern === host;
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  for (let i = 0; i < p.length; i++) {
    const first = p[i].indexOf('*');
    if (first >= 0 && (i !== 0 || p[i].lastIndexOf('*') !== first)) return false;
    if (!labelMatch(p[i].toLowerCase(), h[i].toLowerCase())) return false;
  }
  return true;
}

export interface NameCheck {
  ok: boolean;
  /** the last candidate tried (syslog-ng logs it as `certificate`) */
  lastPattern: string;
  /** all candidates, for diagnostics */
  candidates: string[];
  usedCn: boolean;
}

export function verifyCertificateName(cert: ParsedCert, host: string): NameCheck {
  const candidates: string[] = [];
  let last = '';
  for (const e of cert.san) {
    // over-long DNS entries are skipped, the rest are still tried
    if (e.type === 'dns' && e.value.length > 255) continue;
    candidates.push(e.value);
    last = e.value;
    const ok = e.type === 'dns' ? matchHostname(host, e.value) : e.value.toLowerCase() === host.toLowerCase();
    if (ok) return { ok: true, lastPattern: last, candidates, usedCn: false };
  }
  if (candidates.length > 0) return { ok: false, lastPattern: last, candidates, usedCn: false };
  const cn = firstText(cert.subject, OID.CN);
  if (cn === undefined) return { ok: false, lastPattern: '', candidates, usedCn: true };
  const cut = cn.slice(0, 255);
  return { ok: matchHostname(host, cut), lastPattern: cut, candidates: [cut], usedCn: true };
}
