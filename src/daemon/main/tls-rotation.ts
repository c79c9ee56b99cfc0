/**
 * Certificate rotation without a signal: the watcher (tls-watcher.ts) says
 * which tls() blocks' files changed; each is read and checked again
 * (tls/replacement.ts), and only the blocks that pass are sent to the worker.
 * A block that fails keeps its last good material and is reported once: its
 * files are not read again until their content changes.
 */
import { emit } from '../../core/telemetry.ts';
import { TlsConfigError } from '../../tls/material.ts';
import { tlsMaterialRefused, tlsMaterialRotated } from '../../tls/events.ts';
import { blockLocation, loadReplacement, loadTrustReplacement, type Replacement } from '../../tls/replacement.ts';
import type { TlsMaterialEntry, WorkerToMain } from '../protocol.ts';
import { pollMsFromEnv, TlsWatcher, type WatchedBlock } from './tls-watcher.ts';
import { unreadableAfterDropHint } from '../service/privileges.ts';

type Applied = Extract<WorkerToMain, { type: 'tls-material-applied' }>;

export interface RotationHost {
  /** the material the worker has now, per block */
  entries(): readonly TlsMaterialEntry[];
  /** sends new material for some blocks; the host records it as what the worker has */
  apply(entries: TlsMaterialEntry[], recheck: string[]): Promise<Applied>;
}

export interface TlsRotationOptions {
  debounceMs?: number;
  pollMs?: number;
}

/** The files and directories a block reads. */
export function watchedBlock(e: TlsMaterialEntry): WatchedBlock {
  const o = e.opts;
  const files = [o.pkcs12File, o.certFile, o.keyFile, o.caFile, o.dhparamFile].filter((f): f is string => !!f);
  const dirs = [o.caDir, o.crlDir].filter((d): d is string => !!d);
  return { key: e.key, files, dirs };
}

export class TlsRotation {
  private readonly host: RotationHost;
  private readonly watcher: TlsWatcher;
  /** one rotation at a time, in the order the changes were seen */
  private turn: Promise<void> = Promise.resolve();

  constructor(host: RotationHost, opts: TlsRotationOptions = {}) {
    this.host = host;
    this.watcher = new TlsWatcher(host.entries().map(watchedBlock), {
      debounceMs: opts.debounceMs,
      pollMs: opts.pollMs ?? pollMsFromEnv(),
      onChange: (keys) => {
        this.turn = this.turn.then(() => this.rotate(keys));
      },
    });
  }

  start(): void {
    this.watcher.start();
  }

  /** Stops watching; resolves when a rotation in progress has ended. */
  stop(): Promise<void> {
    this.watcher.stop();
    return this.turn;
  }

  private async rotate(keys: string[]): Promise<void> {
    const good: Array<{ entry: TlsMaterialEntry; r: Replacement }> = [];
    for (const key of keys) {
      const old = this.host.entries().find((e) => e.key === key);
      if (!old) continue;
      const location = blockLocation(old.location);
      try {
        const r = loadReplacement(old.role, old.opts, old.location, old.snapshot);
        // the same bytes as in use (a file touched, or swapped back): nothing to do or say
        if (r.changed.length > 0) good.push({ entry: { ...old, snapshot: r.snapshot }, r });
      } catch (err) {
        const error = err instanceof TlsConfigError ? err.message : `the files cannot be loaded: ${(err as Error).message}`;
        // after -u/-g a root-only key cannot be read again: the line names the group to give it to
        const fix = unreadableAfterDropHint(error) ?? 'the last good files stay in use; put corrected files in place (they are checked again as soon as they change)';
        emit(tlsMaterialRefused, { role: old.role, location, error, fix });
        // a new CRL or CA is still taken: a revocation must not wait for the certificate to be fixed
        try {
          const trust = loadTrustReplacement(old.role, old.opts, old.location, old.snapshot);
          if (trust) good.push({ entry: { ...old, snapshot: trust.snapshot }, r: trust });
        } catch {
          // the trust files are what was refused: already said
        }
      }
    }
    if (good.length === 0) return;
    const recheck = good.filter((g) => g.r.changed.includes('ca') || g.r.changed.includes('crl')).map((g) => g.entry.key);
    let applied: Applied;
    try {
      applied = await this.host.apply(good.map((g) => g.entry), recheck);
    } catch (err) {
      for (const g of good) emit(tlsMaterialRefused, { role: g.entry.role, location: blockLocation(g.entry.location), error: (err as Error).message, fix: 'the last good certificate, key and CAs stay in use' });
      return;
    }
    const failed = applied.errors.map((e) => e.message);
    for (const g of good) {
      const location = blockLocation(g.entry.location);
      if (failed.length > 0) {
        emit(tlsMaterialRefused, { role: g.entry.role, location, error: failed.join('; '), fix: 'the last good certificate, key and CAs stay in use; put corrected files in place' });
        continue;
      }
      const own = g.r.own;
      emit(tlsMaterialRotated, { role: g.entry.role, location, changed: g.r.changed.join(','), subject: own?.subjectDn, serial: own?.serial, notAfter: own?.notAfter.toISOString() });
    }
  }
}
