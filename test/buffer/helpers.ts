import { subscribeEvents, type EmittedEvent } from '../../src/core/telemetry.ts';
import { DiskBuffer, type BufferRecord } from '../../src/buffer/disk-buffer.ts';

/** Every telemetry event emitted while `fn` runs. */
export async function collectEvents<T>(fn: () => Promise<T>): Promise<{ result: T; events: EmittedEvent[] }> {
  const events: EmittedEvent[] = [];
  const off = subscribeEvents((e) => events.push(e));
  try {
    return { result: await fn(), events };
  } finally {
    off();
  }
}

/** Reads until the buffer has nothing more (bounded by `limit` calls). */
export async function readAll(b: DiskBuffer, limit = 100_000): Promise<BufferRecord[]> {
  const all: BufferRecord[] = [];
  for (let i = 0; i < limit; i++) {
    const got = await b.read(500);
    if (got.length === 0) return all;
    all.push(...got);
  }
  throw new Error('readAll: the buffer never ran dry');
}

export function payloadOf(seq: number): Buffer {
  return Buffer.from(`<14>1 - host app - - - record ${seq} ${'x'.repeat(seq % 50)}`);
}
