/**
 * A worker's TLS endpoints, built from the material the main thread sent and
 * kept by tls() block, so new material for a block reaches every endpoint
 * built from it (rotation) without the drivers knowing.
 */
import type { SourceLocation } from '../../core/location.ts';
import { buildTlsEndpoint, type RotatableTlsEndpoint } from '../../tls/endpoint.ts';
import type { TlsEndpoint, TlsOptions } from '../../tls/types.ts';
import { errorToData } from '../error-data.ts';
import { materialKey, type ErrorData, type PeerCertificate, type TlsMaterialEntry } from '../protocol.ts';

export class WorkerTlsEndpoints {
  private readonly material = new Map<string, TlsMaterialEntry>();
  private readonly built = new Map<string, RotatableTlsEndpoint[]>();

  constructor(entries: readonly TlsMaterialEntry[]) {
    for (const e of entries) this.material.set(e.key, e);
  }

  /** the drivers' `tlsEndpoint` hook */
  readonly endpoint = (role: 'server' | 'client', opts: TlsOptions, loc: SourceLocation): TlsEndpoint => {
    const key = materialKey(role, opts, loc);
    const entry = this.material.get(key);
    // the main thread compiled the same plan, so a missing entry is a bug, not a user error
    if (!entry) throw new Error(`no TLS material was sent for the ${role} tls() block at ${loc.file}:${loc.line}:${loc.column}`);
    const ep = buildTlsEndpoint(role, opts, loc, entry.snapshot);
    const list = this.built.get(key);
    if (list) list.push(ep);
    else this.built.set(key, [ep]);
    return ep;
  };

  /** Reload: the material of a new plan's blocks, for the drivers it builds next (endpoints already built are left alone). */
  remember(entries: readonly TlsMaterialEntry[]): void {
    for (const e of entries) this.material.set(e.key, e);
  }

  /** Reload: a kept driver's tls() block moved in the file; its endpoints are filed under the block's new key. */
  rekey(from: string, to: string): void {
    const eps = this.built.get(from);
    if (!eps) return;
    this.built.delete(from);
    this.built.set(to, [...(this.built.get(to) ?? []), ...eps]);
  }

  /** Reload: the blocks the new plan no longer has are forgotten, with the endpoints built from them (their drivers stopped). */
  forgetExcept(keys: ReadonlySet<string>): void {
    for (const k of [...this.material.keys()]) {
      if (keys.has(k)) continue;
      this.material.delete(k);
      this.built.delete(k);
    }
  }

  /** New material for some blocks: later handshakes use it. Returns how many endpoints took it and what failed. */
  apply(entries: readonly TlsMaterialEntry[], recheck: readonly string[] = []): { endpoints: number; errors: ErrorData[]; disconnected: number } {
    let endpoints = 0;
    let disconnected = 0;
    const errors: ErrorData[] = [];
    for (const e of entries) {
      this.material.set(e.key, e);
      for (const ep of this.built.get(e.key) ?? []) {
        try {
          ep.useMaterial(e.snapshot);
          endpoints++;
        } catch (err) {
          // the endpoint keeps its previous material (and its peers, which that material accepted)
          errors.push(errorToData(err));
          continue;
        }
        if (recheck.includes(e.key)) disconnected += ep.recheckPeers();
      }
    }
    return { endpoints, errors, disconnected };
  }

  /** The certificates of the peers connected now, at most `limit`, distinct per block, subject and serial. */
  peers(limit: number): PeerCertificate[] {
    const out = new Map<string, PeerCertificate>();
    for (const [key, eps] of this.built) {
      for (const ep of eps) {
        for (const f of ep.livePeers(limit - out.size)) {
          const id = JSON.stringify([key, f.subject, f.serial]);
          if (!out.has(id)) out.set(id, { key, subject: f.subject, serial: f.serial, notAfter: Math.floor(Date.parse(f.validTo) / 1000) });
        }
        if (out.size >= limit) return [...out.values()];
      }
    }
    return [...out.values()];
  }
}
