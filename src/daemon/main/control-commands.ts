/**
 * The commands the control socket answers, as syslog-ng-ctl names them
 * (AxoSyslog 4.27 lib/mainloop-control.c, lib/stats/stats-control.c,
 * lib/healthcheck/healthcheck-control.c). STATS and QUERY answer with the
 * bare data, as syslog-ng does; the others with "OK ..." or "FAIL ...".
 */
import type { ControlCommand } from './control-socket.ts';
import type { CounterValue, StatsRow } from '../protocol.ts';
import { counterRows, statsCsv, statsQuery } from './stats-formats.ts';

/** what the commands need of the daemon */
export interface Controllable {
  reload(trigger: string): Promise<{ ok: boolean; text: string }>;
  /** the workers' per-driver rows, summed */
  driverStats(): Promise<StatsRow[]>;
  counterTotals(): Promise<CounterValue[]>;
  /** the Prometheus text /metrics serves */
  renderMetrics(): Promise<string>;
  /** file() destinations let go of their files; resolves to how many were asked */
  reopen(): Promise<number>;
  stop(reason: string): Promise<void>;
  /** seconds: the main loop's delay in running a ready callback, and a round trip to the worker */
  latency(): Promise<{ mainLoop: number; workerRoundTrip: number }>;
}

async function allRows(daemon: Controllable): Promise<StatsRow[]> {
  const [rows, counters] = await Promise.all([daemon.driverStats(), daemon.counterTotals()]);
  return [...rows, ...counterRows(counters)];
}

export function controlCommands(daemon: Controllable): Map<string, ControlCommand> {
  return new Map<string, ControlCommand>([
    // syslog-ng answers "OK Config reload successful" / "FAIL ..., previous config remained intact"
    ['RELOAD', () => daemon.reload('control socket')],
    [
      'STATS',
      async (args) => {
        const form = args.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
        if (form === 'PROMETHEUS') {
          return { ok: true, raw: true, text: await daemon.renderMetrics() };
        }
        if (form !== '' && form !== 'CSV') return { ok: false, text: `STATS ${form} is not a stats format; logferry answers STATS, STATS CSV and STATS PROMETHEUS` };
        return { ok: true, raw: true, text: statsCsv(await allRows(daemon)) };
      },
    ],
    ['QUERY', async (args) => {
      const r = statsQuery(args, await allRows(daemon));
      return r.ok ? { ok: true, raw: true, text: r.text } : r;
    }],
    ['REOPEN', async () => {
      await daemon.reopen();
      return { ok: true, text: 'Re-open of log destination files initiated' };
    }],
    // the answer goes out first: the stop closes this socket
    ['STOP', () => ({ ok: true, text: 'Shutdown initiated', after: () => void daemon.stop('control socket STOP') })],
    [
      'HEALTHCHECK',
      async () => {
        const l = await daemon.latency();
        return { ok: true, text: `syslogng_io_worker_latency_seconds ${l.mainLoop}\nsyslogng_mainloop_io_worker_roundtrip_latency_seconds ${l.workerRoundTrip}\n` };
      },
    ],
  ]);
}
