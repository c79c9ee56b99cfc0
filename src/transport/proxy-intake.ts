/**
 * Takes a PROXY protocol header off the front of a stream (a plain socket, or
 * the TLS socket of a connection whose header comes inside TLS) within a
 * bounded time, and leaves every byte after it in the stream: the rest of the
 * chunk that ended the header is put back with `unshift`, so the next reader
 * (the syslog reader, or the TLS layer of a passthrough connection) sees the
 * stream from the first byte after the header.
 */
import type * as net from 'node:net';
import { ProxyHeaderReader, type ProxyHeader } from './proxy-header.ts';

export type ProxyIntake =
  /** the balancer's client, to stand in for the peer */
  | { outcome: 'proxied'; header: Extract<ProxyHeader, { kind: 'proxy' }> }
  /** LOCAL / UNKNOWN: the balancer checking us, or not knowing its client; AxoSyslog closes such a connection */
  | { outcome: 'health_check'; header: Exclude<ProxyHeader, { kind: 'proxy' }> }
  /** a missing, malformed, truncated or late header: the connection is to be closed and this reported */
  | { outcome: 'refused'; reason: string }
  /** the peer went away (or we gave up) before sending a byte: a TCP health check, nothing to report */
  | { outcome: 'gone' };

export interface ProxyIntakeOptions {
  timeoutMs: number;
  /** the caller gave up (listener closing): resolves 'gone' */
  signal?: AbortSignal;
}

export function readProxyHeader(socket: net.Socket, opts: ProxyIntakeOptions): Promise<ProxyIntake> {
  return new Promise((resolve) => {
    const reader = new ProxyHeaderReader();
    let settled = false;
    const done = (r: ProxyIntake): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const timer = setTimeout(() => {
      const n = reader.received;
      done({ outcome: 'refused', reason: n === 0 ? `no PROXY header within ${opts.timeoutMs} ms` : `only ${n} byte(s) of a PROXY header within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    const onAbort = (): void => done({ outcome: 'gone' });
    const onEnd = (): void => {
      const reason = reader.endReason();
      done(reason === undefined ? { outcome: 'gone' } : { outcome: 'refused', reason });
    };
    const onReadable = (): void => {
      // bounded: each pass consumes a chunk, and the reader decides within 1500 bytes
      while (!settled) {
        const chunk = socket.read() as Buffer | null;
        if (chunk === null) return;
        const r = reader.push(chunk);
        if (r.state === 'incomplete') continue;
        if (r.state === 'error') {
          done({ outcome: 'refused', reason: r.reason });
          return;
        }
        if (r.rest.length > 0) socket.unshift(r.rest);
        const h = r.header;
        done(h.kind === 'proxy' ? { outcome: 'proxied', header: h } : { outcome: 'health_check', header: h });
        return;
      }
    };
    if (opts.signal?.aborted) {
      done({ outcome: 'gone' });
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onEnd);
    // bytes already buffered (a chunk put back by an earlier look) are read now
    onReadable();
  });
}
