/**
 * One internal() warning when a certificate or CRL a tls() block holds is
 * within the configured days of its not-after or next update: at start, after
 * each rotation or reload, and hourly — but at most once a day per item, and
 * never per connection (a busy listener would otherwise repeat it endlessly).
 */
import { emit } from '../../core/telemetry.ts';
import { tlsExpiryNear, type ExpiryNear } from '../events.ts';
import type { TlsMaterialEntry } from '../protocol.ts';
import { tlsGaugeFamilies } from './tls-gauges.ts';

const DAY_MS = 86_400_000;
export const EXPIRY_CHECK_INTERVAL_MS = 3_600_000;

export interface ExpiryWarningsOptions {
  entries: () => readonly TlsMaterialEntry[];
  /** warn this many days ahead; 0 turns the warnings off */
  days: () => number;
  now?: () => number;
  warn?: (w: ExpiryNear) => void;
}

export class ExpiryWarnings {
  private readonly o: ExpiryWarningsOptions;
  /** when each item was last warned about, by role, subject/issuer and serial */
  private readonly warned = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(o: ExpiryWarningsOptions) {
    this.o = o;
  }

  start(intervalMs = EXPIRY_CHECK_INTERVAL_MS): void {
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Warns about every item due and not warned about in the last day; how many warnings it gave. */
  check(): number {
    const days = this.o.days();
    if (days <= 0) return 0;
    const now = (this.o.now ?? Date.now)();
    const warn = this.o.warn ?? ((w: ExpiryNear) => emit(tlsExpiryNear, w));
    const [certs, crls] = tlsGaugeFamilies(this.o.entries(), []);
    const items: ExpiryNear[] = [
      ...certs.samples.map((s) => ({ role: s.labels.role as 'own' | 'ca', driver: s.labels.driver, subject: s.labels.subject, serial: s.labels.serial, expires: s.value, daysLeft: 0 })),
      ...crls.samples.map((s) => ({ role: 'crl' as const, driver: s.labels.driver, subject: s.labels.issuer, serial: undefined, expires: s.value, daysLeft: 0 })),
    ];
    let n = 0;
    for (const item of items) {
      const left = item.expires * 1000 - now;
      if (left > days * DAY_MS) continue;
      // the same CA in several blocks is one item: one warning names one of its drivers
      const id = JSON.stringify([item.role, item.subject, item.serial ?? null, item.expires]);
      const last = this.warned.get(id);
      if (last !== undefined && now - last < DAY_MS) continue;
      this.warned.set(id, now);
      warn({ ...item, daysLeft: Math.floor(left / DAY_MS) });
      n++;
    }
    return n;
  }
}
