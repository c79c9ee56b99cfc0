/**
 * Time zones for `time-zone()`, `recv-time-zone()`, `send-time-zone()`:
 * fixed offsets (`+01:00`, `-0530`, `UTC`) or IANA names through Intl.
 * Offsets are seconds east of UTC, like `Timestamp.gmtoff`.
 */

export interface Zone {
  readonly name: string;
  /** UTC offset in force at this instant */
  offsetAt(epochSec: number): number;
  /** epoch seconds and offset of a wall-clock time in this zone (month 1..12) */
  fromWallClock(year: number, month: number, day: number, hour: number, min: number, sec: number): { sec: number; gmtoff: number };
}

class FixedZone implements Zone {
  readonly name: string;
  readonly offset: number;
  constructor(name: string, offset: number) {
    this.name = name;
    this.offset = offset;
  }
  offsetAt(): number {
    return this.offset;
  }
  fromWallClock(y: number, mo: number, d: number, h: number, mi: number, s: number) {
    return { sec: Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - this.offset, gmtoff: this.offset };
  }
}

class IntlZone implements Zone {
  readonly name: string;
  private readonly fmt: Intl.DateTimeFormat | undefined;
  /** offsets change at most a few times a year: cache per hour bucket */
  private readonly cache = new Map<number, number>();
  constructor(name: string, fmt: Intl.DateTimeFormat | undefined) {
    this.name = name;
    this.fmt = fmt;
  }
  offsetAt(epochSec: number): number {
    const bucket = Math.floor(epochSec / 900);
    const hit = this.cache.get(bucket);
    if (hit !== undefined) return hit;
    let off: number;
    if (!this.fmt) {
      off = -new Date(epochSec * 1000).getTimezoneOffset() * 60;
    } else {
      const parts = this.fmt.formatToParts(new Date(epochSec * 1000));
      const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
      const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second')) / 1000;
      off = Math.round((wall - epochSec) / 60) * 60;
    }
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(bucket, off);
    return off;
  }
  fromWallClock(y: number, mo: number, d: number, h: number, mi: number, s: number) {
    const asUtc = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
    // two passes settle the offset except inside a DST gap, where (like mktime) we take the later offset
    let off = this.offsetAt(asUtc);
    off = this.offsetAt(asUtc - off);
    return { sec: asUtc - off, gmtoff: off };
  }
}

export const localZone: Zone = new IntlZone('local', undefined);
export const utcZone: Zone = new FixedZone('UTC', 0);

const zoneCache = new Map<string, Zone>();

/**
 * Resolves a zone name; undefined when it is not a valid zone.
 * Accepts `local`, `UTC`/`GMT`/`Z`, `+HH:MM`, `-HHMM`, `+HH`, and IANA names.
 */
export function resolveZone(spec: string): Zone | undefined {
  const cached = zoneCache.get(spec);
  if (cached) return cached;
  let z: Zone | undefined;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(spec);
  if (spec === 'local' || spec === '') z = localZone;
  else if (spec === 'UTC' || spec === 'GMT' || spec === 'Z' || spec === 'Etc/UTC') z = utcZone;
  else if (m) {
    const off = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60);
    if (Math.abs(off) <= 24 * 3600) z = new FixedZone(spec, off);
  } else {
    try {
      const fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: spec,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      z = new IntlZone(spec, fmt);
    } catch {
      z = undefined;
    }
  }
  if (z) zoneCache.set(spec, z);
  return z;
}

/** A zone with a fixed offset (seconds east of UTC). */
export function fixedZone(offsetSec: number): Zone {
  return new FixedZone('fixed', offsetSec);
}
