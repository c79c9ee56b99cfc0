/**
 * logferry's own log lines. Every layer reports through `internalLog`; the
 * daemon installs a sink that turns each event into a LogMessage on the
 * `internal()` source (and onto stderr with -e / -F). The text is a constant
 * sentence, the details are tags, printed syslog-ng style:
 * `Text; tag='value', tag2='value'`.
 */

import { INTERNAL_LINES_PER_WINDOW, INTERNAL_WINDOW_MS, LineLimiter } from './line-limiter.ts';

export type InternalLevel = 'error' | 'warning' | 'notice' | 'info' | 'verbose' | 'debug';

/** syslog severity of each level (verbose is info in syslog terms) */
export const levelSeverity: Record<InternalLevel, number> = {
  error: 3,
  warning: 4,
  notice: 5,
  info: 6,
  verbose: 6,
  debug: 7,
};

/** a list value repeats its key, one `k='v'` per item (syslog-ng's "Log statistics" line does that) */
export type Tags = Record<string, string | number | boolean | undefined | readonly string[]>;

export interface InternalEvent {
  level: InternalLevel;
  text: string;
  tags: Tags;
  /** milliseconds since the epoch */
  time: number;
}

export type InternalSink = (ev: InternalEvent) => void;

function tagText(k: string, v: string | number | boolean): string {
  return k + "='" + String(v).replace(/[\\']/g, (c) => '\\' + c) + "'";
}

/** Formats `text; k='v', k2='v2'` with `'` and `\` escaped in values. */
export function formatInternal(text: string, tags: Tags): string {
  let out = text + ';';
  let first = true;
  for (const k in tags) {
    const v = tags[k];
    if (v === undefined) continue;
    if (typeof v !== 'object') {
      out += (first ? ' ' : ', ') + tagText(k, v);
      first = false;
      continue;
    }
    for (const item of v) {
      out += (first ? ' ' : ', ') + tagText(k, item);
      first = false;
    }
  }
  return out;
}

const sinks: InternalSink[] = [];
let debugEnabled = false;
let verboseEnabled = false;

function stderrSink(ev: InternalEvent): void {
  process.stderr.write(`[${new Date(ev.time).toISOString()}] ${formatInternal(ev.text, ev.tags)}\n`);
}

/** Replaces the sinks (the daemon calls this once it knows its flags). */
export function setInternalSinks(list: InternalSink[], opts: { verbose?: boolean; debug?: boolean } = {}): void {
  sinks.length = 0;
  sinks.push(...list);
  debugEnabled = !!opts.debug;
  verboseEnabled = !!opts.verbose || debugEnabled;
}

export function isDebugEnabled(): boolean {
  return debugEnabled;
}

/** false when a line of this level would be dropped (lets callers skip building its tags) */
export function isLevelEnabled(level: InternalLevel): boolean {
  if (level === 'debug') return debugEnabled;
  if (level === 'verbose') return verboseEnabled;
  return true;
}

export function internalLog(level: InternalLevel, text: string, tags: Tags = {}): void {
  if (!isLevelEnabled(level)) return;
  if (level !== 'verbose' && level !== 'debug' && !limiter.allow(text, level)) return;
  write({ level, text, tags, time: Date.now() });
}

// the summary goes around the limiter: it is one line per window and text
const limiter = new LineLimiter({
  max: INTERNAL_LINES_PER_WINDOW,
  windowMs: INTERNAL_WINDOW_MS,
  summary: (text, suppressed, level) =>
    write({ level: level as InternalLevel, text: 'Suppressed repeated internal messages', tags: { message: text, suppressed, window_s: INTERNAL_WINDOW_MS / 1000 }, time: Date.now() }),
});

/** ends the rate-limit windows now, writing their summaries (stop, tests) */
export function flushInternalLimits(): void {
  limiter.flush(true);
}

function write(ev: InternalEvent): void {
  const level = ev.level;
  if (sinks.length === 0) {
    if (level === 'error' || level === 'warning') stderrSink(ev);
    return;
  }
  for (const s of sinks) s(ev);
}

export { stderrSink };
