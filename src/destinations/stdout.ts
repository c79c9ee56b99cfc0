/** stdout() destination: formatted messages to the daemon's standard output. */
import type { LogMessage } from '../message/log-message.ts';
import type { QueueEntry } from '../pipeline/queue.ts';
import { QueuedDestination, type QueuedOptions } from './queued.ts';

export interface StdoutDestinationOptions extends QueuedOptions {
  format: (msg: LogMessage) => string | Buffer;
}

export class StdoutDestination extends QueuedDestination {
  private readonly format: (msg: LogMessage) => string | Buffer;

  constructor(o: StdoutDestinationOptions) {
    super(o);
    this.format = o.format;
  }

  async start(): Promise<void> {}

  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    const parts = entries.map((e) => {
      const f = this.format(e.msg);
      return typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
    });
    process.stdout.write(Buffer.concat(parts), (err) => done(err ?? undefined));
  }

  protected async close(): Promise<void> {}
}
