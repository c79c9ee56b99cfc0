/**
 * What a run tells its user: the live progress line (TTY only), the final
 * human summary and the --json object. Pure functions of the numbers, so
 * tests check the words without a terminal.
 */
import type { ConnectionError, ConnectionResult } from './connection.ts';
import type { SendOptions } from './options.ts';

export interface SendReport {
  target: { host: string; port: number; transport: string; framing: string | null; format: string };
  /** run id; each connection's sender id is `<run>-<connection>` */
  run: string;
  /** messages the run was meant to send */
  planned: number;
  sent: number;
  /** null for udp */
  acknowledged: number | null;
  errors: number;
  bytes: number;
  durationSeconds: number;
  /** sent per second over the whole run (connects and closes included) */
  rate: number;
  ok: boolean;
  /** --from-file could not be read to its end (what was read was sent) */
  inputError?: string;
  connections: ConnectionResult[];
}

export function buildReport(o: SendOptions, run: string, planned: number, conns: ConnectionResult[], durationMs: number, inputError?: string): SendReport {
  const sent = conns.reduce((a, c) => a + c.sent, 0);
  const udp = o.transport === 'udp';
  const acknowledged = udp ? null : conns.reduce((a, c) => a + (c.acknowledged ?? 0), 0);
  const errors = conns.filter((c) => c.error).length;
  const durationSeconds = Math.round(durationMs) / 1000;
  return {
    target: { host: o.host, port: o.port, transport: o.transport, framing: o.framing ?? null, format: o.format },
    run,
    planned,
    sent,
    acknowledged,
    errors,
    bytes: conns.reduce((a, c) => a + c.bytes, 0),
    durationSeconds,
    rate: durationMs > 0 ? Math.round((sent * 1000) / durationMs) : 0,
    ok: errors === 0 && inputError === undefined && (udp ? sent : acknowledged) === planned,
    ...(inputError !== undefined ? { inputError } : {}),
    connections: conns,
  };
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** `sent 12,345 · 41,200 msg/s · errors 0` (the caller rewrites it in place with \r) */
export function progressLine(sent: number, ratePerS: number, errors: number, elapsedS: number): string {
  return `logferry send: ${num(sent)} sent, ${num(Math.round(ratePerS))} msg/s, ${errors} error${errors === 1 ? '' : 's'}, ${elapsedS.toFixed(1)} s`;
}

/** One line per distinct failure: connections that failed the same way are named together. */
export function errorLines(conns: ConnectionResult[]): string[] {
  const groups = new Map<string, { e: ConnectionError; ids: number[] }>();
  for (const c of conns) {
    if (!c.error) continue;
    const k = `${c.error.reason}\u0000${c.error.message}`;
    const g = groups.get(k) ?? { e: c.error, ids: [] };
    g.ids.push(c.index);
    groups.set(k, g);
  }
  const out: string[] = [];
  for (const { e, ids } of groups.values()) {
    const who = conns.length === 1 ? '' : ids.length === conns.length ? ' (every connection)' : ` (connection${ids.length > 1 ? 's' : ''} ${ids.join(', ')})`;
    out.push(`logferry send: error${who}: ${e.message}${e.fix ? `. Fix: ${e.fix}` : ''}`);
  }
  return out;
}

/** The final summary on stderr. */
export function summaryText(r: SendReport): string {
  const t = r.target;
  const over = `${t.transport}${t.framing ? `, ${t.framing} framing` : ''}, RFC ${t.format}`;
  const conns = r.connections.length === 1 ? '1 connection' : `${r.connections.length} connections`;
  let what: string;
  if (r.acknowledged === null) what = `${num(r.sent)} of ${num(r.planned)} messages sent (udp: handed to the kernel, receipt cannot be confirmed)`;
  else if (r.acknowledged === r.sent) what = `${num(r.sent)} of ${num(r.planned)} messages sent and confirmed by the receiver's clean close`;
  else what = `${num(r.sent)} of ${num(r.planned)} messages written, ${num(r.acknowledged)} confirmed by the receiver's clean close`;
  const n = r.connections.length;
  const senders = n === 1 ? `sender ${r.run}-1` : `senders ${r.run}-1..${r.run}-${n}`;
  const lines = [
    `logferry send: ${what}; to ${t.host}:${t.port} over ${over}, ${conns} (${senders}), ${r.durationSeconds.toFixed(3)} s, ${num(r.rate)} msg/s, ${num(r.bytes)} bytes, ${r.errors} error${r.errors === 1 ? '' : 's'}`,
  ];
  if (!r.ok && r.errors === 0) lines.push(`logferry send: not all messages were sent`);
  return lines.join('\n') + '\n';
}
