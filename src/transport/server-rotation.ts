/**
 * Which server a destination connects to next (drivers.md §11): the list is
 * [primary, failover servers…]; the first attempt goes to the primary and
 * every later (re)connect moves one step, wrapping. With failback the wrap
 * skips the primary, and leaving the primary is the moment to start probing it.
 *
 * One deliberate difference from syslog-ng's source: there, leaving the
 * primary without failback() logs "Current failover server is inaccessible";
 * we say "Current primary server is inaccessible" whenever it was the primary.
 */
import { internalLog } from '../core/internal-log.ts';
import { formatLocation, type SourceLocation } from '../core/location.ts';

export class ServerRotation {
  readonly servers: readonly string[];
  readonly failback: boolean;
  #index = -1;
  #location: string | undefined;

  constructor(primary: string, failovers: readonly string[] = [], opts: { failback?: boolean; location?: SourceLocation } = {}) {
    this.servers = [primary, ...failovers];
    this.failback = !!opts.failback && failovers.length > 0;
    this.#location = opts.location ? formatLocation(opts.location) : undefined;
  }

  get current(): string {
    return this.servers[Math.max(this.#index, 0)];
  }

  get onPrimary(): boolean {
    return this.#index <= 0;
  }

  /**
   * Advances for a new connect attempt and returns the server to try.
   * `leftPrimary` is true when this step moved away from the primary.
   */
  next(): { server: string; leftPrimary: boolean } {
    if (this.#index < 0 || this.servers.length === 1) {
      this.#index = 0;
      return { server: this.servers[0], leftPrimary: false };
    }
    const previous = this.#index;
    let idx = previous + 1;
    if (idx >= this.servers.length) {
      idx = this.failback ? 1 : 0;
      if (idx === 0) {
        internalLog('warning', 'Last failover server reached, trying the original host again', { host: this.servers[0], location: this.#location });
      } else {
        internalLog('warning', 'Last failover server reached, trying the first failover again', { next_failover_server: this.servers[idx], location: this.#location });
      }
    } else {
      const which = previous === 0 ? 'primary' : 'failover';
      internalLog('warning', `Current ${which} server is inaccessible, sending the messages to the next failover server`, {
        next_failover_server: this.servers[idx],
        location: this.#location,
      });
    }
    this.#index = idx;
    return { server: this.servers[idx], leftPrimary: previous === 0 && idx !== 0 };
  }

  /** Failback decided the primary is stable again. */
  backToPrimary(): void {
    this.#index = 0;
  }
}
