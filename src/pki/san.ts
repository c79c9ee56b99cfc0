/** subjectAltName entries as the command line writes them: `DNS:a,IP:b`. */
import { isIP } from 'node:net';

export interface SanEntry {
  type: 'dns' | 'ip';
  value: string;
}

/** a host name or a wildcard in the left-most label, as TLS host-name checks accept them */
const DNS_NAME = /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export function isDnsName(s: string): boolean {
  return s.length <= 253 && DNS_NAME.test(s) && isIP(s) === 0;
}

/** Parses `DNS:a,IP:b` (type names in any case); throws a usage sentence on anything else. */
export function parseSan(text: string): SanEntry[] {
  const out: SanEntry[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const colon = item.indexOf(':');
    const type = colon > 0 ? item.slice(0, colon).toUpperCase() : '';
    const value = item.slice(colon + 1);
    if (type === 'DNS' && isDnsName(value)) out.push({ type: 'dns', value });
    else if (type === 'IP' && isIP(value) !== 0) out.push({ type: 'ip', value });
    else throw new SanError(`--san entry '${item}' is neither DNS:<host name> nor IP:<address>; write e.g. --san DNS:logs.example.com,IP:192.0.2.10`);
  }
  return out;
}

export class SanError extends Error {}

/**
 * A server's names: its CN first (when it is a host name or address, since
 * TLS clients that find a DNS SAN no longer look at the CN), then the rest
 * without repeats.
 */
export function serverSan(cn: string, extra: readonly SanEntry[]): SanEntry[] {
  const out: SanEntry[] = [];
  if (isIP(cn) !== 0) out.push({ type: 'ip', value: cn });
  else if (isDnsName(cn)) out.push({ type: 'dns', value: cn });
  for (const e of extra) {
    if (!out.some((o) => o.type === e.type && o.value.toLowerCase() === e.value.toLowerCase())) out.push(e);
  }
  return out;
}
