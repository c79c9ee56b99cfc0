/** Shared bits for the transport tests: captured internal log lines and a bounded waiter. */
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { parseConfigText } from '../../src/config/index.ts';
import type { NetworkDestinationSettings, NetworkSourceSettings } from '../../src/config/settings/index.ts';
import { dgramListenerOptions, streamListenerOptions } from '../../src/sources/network.ts';
import { connectorOptions, dgramSenderOptions } from '../../src/destinations/network.ts';
import type { StreamListenerOptions } from '../../src/transport/stream-listener.ts';
import type { DgramListenerOptions } from '../../src/transport/dgram-listener.ts';
import type { ConnectorOptions, DgramSenderOptions } from '../../src/transport/connector.ts';

export interface LogCapture {
  events: InternalEvent[];
  find(text: string): InternalEvent | undefined;
  count(text: string): number;
  /** resolves at the first event with this text (also one already seen) */
  waitFor(text: string, timeoutMs?: number): Promise<InternalEvent>;
  stop(): void;
}

export function captureLogs(): LogCapture {
  const events: InternalEvent[] = [];
  const waiters: Array<{ text: string; resolve: (e: InternalEvent) => void }> = [];
  setInternalSinks(
    [
      (ev) => {
        events.push(ev);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i].text === ev.text) waiters.splice(i, 1)[0].resolve(ev);
        }
      },
    ],
    { verbose: true, debug: false },
  );
  return {
    events,
    find: (text) => events.find((e) => e.text === text),
    count: (text) => events.filter((e) => e.text === text).length,
    waitFor(text, timeoutMs = 5000) {
      const seen = events.find((e) => e.text === text);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for log line: ${text}`)), timeoutMs);
        waiters.push({
          text,
          resolve: (e) => {
            clearTimeout(t);
            resolve(e);
          },
        });
      });
    },
    stop: () => setInternalSinks([]),
  };
}

/** Polls a condition on each macrotask turn, bounded in time (for state that has no event). */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Transport options as the network drivers build them from a compiled
 * `network()` with nothing written: tests spread these and override what
 * they are about. Names and config locations are left out (log lines stay as
 * the tests expect them).
 */
export const asCompiled = {
  listener(): Omit<StreamListenerOptions, 'location' | 'groupName'> {
    const { location: _l, groupName: _g, ...o } = streamListenerOptions(sourceSettings(), 'probe', undefined);
    return o;
  },
  dgramListener(): Omit<DgramListenerOptions, 'location'> {
    const { location: _l, ...o } = dgramListenerOptions(sourceSettings(), 'probe');
    return o;
  },
  connector(): Omit<ConnectorOptions, 'location' | 'name'> {
    const { location: _l, name: _n, ...o } = connectorOptions(destinationSettings('tcp'), 'probe', undefined);
    return o;
  },
  dgramSender(): DgramSenderOptions {
    return dgramSenderOptions(destinationSettings('udp'));
  },
};

function sourceSettings(): NetworkSourceSettings {
  const s = parseConfigText('@version: 4.27\nsource s { network(); };\n', 'probe.conf').sources.get('s')!.drivers[0].settings;
  if (s.kind !== 'network-source') throw new Error(`network() compiled to ${s.kind}`);
  return s;
}

function destinationSettings(transport: 'tcp' | 'udp'): NetworkDestinationSettings {
  const s = parseConfigText(`@version: 4.27\ndestination d { network("127.0.0.1" transport(${transport})); };\n`, 'probe.conf').destinations.get('d')!.drivers[0].settings;
  if (s.kind !== 'network-destination') throw new Error(`network() compiled to ${s.kind}`);
  return s;
}
