/**
 * Reverse DNS for network sources: getnameinfo (so /etc/hosts counts) behind
 * a process-wide cache sized and aged by dns-cache-size(),
 * dns-cache-expire() and dns-cache-expire-failed(), plus the fixed names of
 * dns-cache-hosts(). dns-cache(no) bypasses both.
 */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import type { NetworkSourceSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';

/** dns-cache(), dns-cache-size(), dns-cache-expire(), dns-cache-expire-failed() */
export interface DnsCacheSettings {
  enabled: boolean;
  /** dns-cache-hosts(): address ⇒ name, preloaded and never expiring */
  hosts: ReadonlyMap<string, string>;
  size: number;
  expireMs: number;
  expireFailedMs: number;
}

/** reverse lookups through getnameinfo (so /etc/hosts counts), cached per address */
const dnsCache = new Map<string, { name: string | undefined; until: number }>();
export function cachedName(ip: string, c: DnsCacheSettings): string | undefined {
  const fixed = c.enabled ? c.hosts.get(ip) : undefined;
  if (fixed !== undefined) return fixed;
  const hit = c.enabled ? dnsCache.get(ip) : undefined;
  return hit && hit.until > Date.now() ? hit.name : undefined;
}
export function reverseLookup(ip: string, c: DnsCacheSettings): Promise<string | undefined> {
  const fixed = c.enabled ? c.hosts.get(ip) : undefined;
  if (fixed !== undefined) return Promise.resolve(fixed);
  const hit = c.enabled ? dnsCache.get(ip) : undefined;
  if (hit && hit.until > Date.now()) return Promise.resolve(hit.name);
  // a peer that is already gone has no address; getnameinfo would throw synchronously and take the daemon down
  if (isIP(ip) === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), 2000);
    dns.lookupService(ip, 0, (err, host) => {
      clearTimeout(t);
      const name = err ? undefined : host;
      if (c.enabled) {
        // oldest first out (Map keeps insertion order)
        while (dnsCache.size >= c.size) dnsCache.delete(dnsCache.keys().next().value!);
        dnsCache.set(ip, { name, until: Date.now() + (name === undefined ? c.expireFailedMs : c.expireMs) });
      }
      resolve(name);
    });
  });
}

/** dns-cache-hosts(): `address name [aliases]` lines; the first name of an address wins, as in /etc/hosts */
function hostsFile(s: NetworkSourceSettings): Map<string, string> {
  const out = new Map<string, string>();
  const file = s.dnsCacheHosts;
  if (file === undefined) return out;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new LocatedError(`Error reading dns-cache-hosts() file; filename='${file}', error='${(err as Error).message}'`, s.where.dnsCacheHosts ?? s.loc);
  }
  for (const line of text.split('\n')) {
    const [addr, name] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (addr && name && !out.has(addr)) out.set(addr, name);
  }
  return out;
}

/** the cache settings of a source: dns-cache() of its own, the rest from options {} */
export function dnsCacheSettings(s: NetworkSourceSettings): DnsCacheSettings {
  return {
    enabled: s.dnsCache,
    hosts: hostsFile(s),
    size: s.dnsCacheSize,
    expireMs: s.dnsCacheExpire * 1000,
    expireFailedMs: s.dnsCacheExpireFailed * 1000,
  };
}
