/**
 * The main thread's persist file: loads it once at start, keeps the latest
 * positions the worker reported (and entries no source of this config uses,
 * so a source left out for a while keeps its place), and writes them when
 * they changed: every interval (a crash re-reads at most what was read in
 * that time) and at a clean stop. Problems are reported once, never fatal.
 */
import { emit } from '../../core/telemetry.ts';
import type { PositionMap } from '../protocol.ts';
import { formatPersistFile, loadPersistFile, writePersistFile } from './persist-file.ts';
import { persistFileSaveFailed, persistFileSaveRecovered, persistFileUnusable } from './persist-events.ts';

export const DEFAULT_PERSIST_INTERVAL_MS = 5000;

export class PersistKeeper {
  readonly file: string;
  private entries: PositionMap = {};
  /** the text last written (or read): no write when nothing changed */
  private written: string | undefined;
  private failing = false;
  private timer: NodeJS.Timeout | undefined;
  private problem: { filename: string; reason: string; aside: string | undefined } | undefined;

  constructor(file: string) {
    this.file = file;
  }

  /** The saved positions; an unusable file is moved aside (reported by reportLoad()), and nothing is resumed. */
  load(): PositionMap {
    const r = loadPersistFile(this.file);
    if (!r.ok) this.problem = { filename: this.file, reason: r.reason, aside: r.aside };
    this.entries = r.entries;
    if (r.ok && Object.keys(r.entries).length > 0) this.written = formatPersistFile(r.entries);
    return { ...r.entries };
  }

  /** says what was wrong with the file load() read, once; called when the daemon's own log reaches internal() */
  reportLoad(): void {
    if (this.problem) emit(persistFileUnusable, this.problem);
    this.problem = undefined;
  }

  /** asks for positions every `intervalMs` (the answer comes to update()) */
  every(intervalMs: number, ask: () => void): void {
    this.cancel();
    this.timer = setInterval(ask, intervalMs);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** new positions from a worker: kept and written if they changed */
  update(positions: PositionMap): void {
    Object.assign(this.entries, positions);
    this.save();
  }

  save(): void {
    // a daemon without file() sources leaves no file behind
    if (Object.keys(this.entries).length === 0) return;
    const text = formatPersistFile(this.entries);
    if (text === this.written) return;
    try {
      writePersistFile(this.file, this.entries);
    } catch (err) {
      if (!this.failing) emit(persistFileSaveFailed, { filename: this.file, error: (err as Error).message });
      this.failing = true;
      return;
    }
    this.written = text;
    if (this.failing) emit(persistFileSaveRecovered, { filename: this.file });
    this.failing = false;
  }
}
