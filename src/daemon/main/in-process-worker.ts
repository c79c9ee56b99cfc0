/**
 * The one worker of today, running in the main thread but reached only
 * through messages, copied the way postMessage copies them. Swapping in a
 * node:worker_threads Worker means: a worker entry file that feeds
 * `parentPort` messages to a WorkerRuntime, and a handle that wraps
 * `worker.postMessage` / `worker.on('message')`. Nothing else changes.
 */
import type { MainToWorker, WorkerHandle, WorkerToMain } from '../protocol.ts';
import { WorkerRuntime } from '../worker/runtime.ts';

/** As a MessagePort delivers: a structured clone (so anything not plain data fails at once), after the current turn. */
function deliver<T>(msg: T, to: (m: T) => void): void {
  const copy = structuredClone(msg);
  queueMicrotask(() => to(copy));
}

export function inProcessWorker(): WorkerHandle {
  const listeners: Array<(m: WorkerToMain) => void> = [];
  const runtime = new WorkerRuntime({ post: (m) => deliver(m, (c) => listeners.forEach((l) => l(c))) });
  return {
    post: (m: MainToWorker) => deliver(m, (c) => runtime.handle(c)),
    on: (l) => void listeners.push(l),
  };
}
