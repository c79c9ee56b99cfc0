/**
 * options { stats(freq(N)); }: every N seconds one internal() message
 * "Log statistics" with every per-driver count `logferry ctl stats` shows, in
 * syslog-ng's form (AxoSyslog 4.27 lib/stats/stats-log.c): one tag per count,
 * named by its type, valued `component(id,instance)=N`, e.g.
 *   Log statistics; processed='src.syslog(s_tls#0,tls,127.0.0.1:6514)=5', written='dst.file(d#0,/var/log/x)=5'
 * so log-based monitoring written for syslog-ng reads logferry's too.
 */
import { internalLog, type Tags } from '../../core/internal-log.ts';
import type { StatsRow } from '../protocol.ts';

export function statsLogTags(rows: readonly StatsRow[]): Tags {
  const byType = new Map<string, string[]>();
  for (const r of rows) {
    const inner = r.id && r.instance ? `${r.id},${r.instance}` : r.id || r.instance;
    const list = byType.get(r.type) ?? [];
    list.push(`${r.component}(${inner})=${r.value}`);
    byType.set(r.type, list);
  }
  return Object.fromEntries(byType);
}

/** The timer: follows reloads (set() with the new frequency), stops with the daemon. */
export class StatsLog {
  private timer: NodeJS.Timeout | undefined;
  private freq = 0;
  private readonly rows: () => Promise<StatsRow[]>;

  constructor(rows: () => Promise<StatsRow[]>) {
    this.rows = rows;
  }

  set(freqSeconds: number): void {
    if (freqSeconds === this.freq) return;
    this.stop();
    this.freq = freqSeconds;
    if (freqSeconds <= 0) return;
    // unref: the statistics line never keeps a stopping daemon alive
    this.timer = setInterval(() => void this.publish(), freqSeconds * 1000).unref();
  }

  async publish(): Promise<void> {
    let rows: StatsRow[];
    try {
      rows = await this.rows();
    } catch {
      // the worker is gone (a stop under way): nothing to report
      return;
    }
    internalLog('info', 'Log statistics', statsLogTags(rows));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.freq = 0;
  }
}
