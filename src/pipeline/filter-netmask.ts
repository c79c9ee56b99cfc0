/**
 * netmask() / netmask6() address tests on `${SOURCEIP}`, as syslog-ng does
 * them: a message without a network sender (internal(), file(), unix
 * sockets) counts as loopback, an IPv6 sender never matches netmask() and
 * an IPv4 sender never matches netmask6().
 */

export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** 16 bytes of an IPv6 address (zone id ignored, dotted IPv4 tail allowed), or undefined. */
export function parseIpv6(input: string): Uint8Array | undefined {
  let s = input;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  let tail: number[] = [];
  if (s.includes('.')) {
    const lc = s.lastIndexOf(':');
    if (lc < 0) return undefined;
    const v4 = parseIpv4(s.slice(lc + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lc + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const nums: number[] = [];
    for (const x of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(x)) return undefined;
      nums.push(Number.parseInt(x, 16));
    }
    return nums;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const rest = parseGroups(s.slice(dbl + 2));
    if (!head || !rest) return undefined;
    const total = head.length + rest.length + tail.length;
    if (total > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - total).fill(0), ...rest, ...tail];
  } else {
    const g = parseGroups(s);
    if (!g) return undefined;
    groups = [...g, ...tail];
    if (groups.length !== 8) return undefined;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  return out;
}

/** netmask("10.0.0.0/8"), netmask("10.0.0.0/255.0.0.0"), netmask("10.1.2.3"); undefined when invalid. */
export function ipv4Matcher(spec: string): ((sourceIp: string | undefined) => boolean) | undefined {
  const slash = spec.indexOf('/');
  const addr = parseIpv4(slash < 0 ? spec : spec.slice(0, slash));
  if (addr === undefined) return undefined;
  let mask = 0xffffffff;
  if (slash >= 0) {
    const m = spec.slice(slash + 1);
    if (m.includes('.')) {
      const mv = parseIpv4(m);
      if (mv === undefined) return undefined;
      mask = mv;
    } else {
      if (!/^\d{1,2}$/.test(m) || Number(m) > 32) return undefined;
      const bits = Number(m);
      mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    }
  }
  const net = (addr & mask) >>> 0;
  const loopbackMatches = ((0x7f000001 & mask) >>> 0) === net;
  let lastIp = '';
  let lastResult = false;
  return (ip) => {
    if (!ip) return loopbackMatches;
    if (ip === lastIp) return lastResult;
    const v = ip.includes(':') ? undefined : parseIpv4(ip);
    lastIp = ip;
    lastResult = v !== undefined && ((v & mask) >>> 0) === net;
    return lastResult;
  };
}

/** netmask6("2001:db8::/32") or a single address (prefix 128); undefined when invalid. */
export function ipv6Matcher(spec: string): ((sourceIp: string | undefined) => boolean) | undefined {
  const slash = spec.indexOf('/');
  let prefix = 128;
  if (slash >= 0) {
    const m = spec.slice(slash + 1);
    if (!/^\d{1,3}$/.test(m)) return undefined;
    prefix = Number(m);
    if (prefix < 1 || prefix > 128) return undefined;
  }
  const addr = parseIpv6(slash < 0 ? spec : spec.slice(0, slash));
  if (!addr) return undefined;
  const net = masked(addr, prefix);
  const loop = new Uint8Array(16);
  loop[15] = 1;
  const loopbackMatches = equal(masked(loop, prefix), net);
  return (ip) => {
    if (!ip) return loopbackMatches;
    if (!ip.includes(':')) return false;
    const a = parseIpv6(ip);
    return a !== undefined && equal(masked(a, prefix), net);
  };
}

function masked(a: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = a[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}
