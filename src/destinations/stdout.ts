/** stdout() destination: formatted messages to the daemon's standard output. */
import type { LogMessage } from '../message/log-message.ts';
import type { QueueEntry } from '../pipeline/queue.ts';
import { BatchEncoder } from '../syslog/framing/batch-encoder.ts';
import { QueuedDestination, type QueuedOptions } from './queued.ts';

export interface StdoutDestinationOptions extends QueuedOptions {
  format: (msg: LogMessage) => string | Buffer;
}

export class StdoutDestination extends QueuedDestination {
  private readonly format: (msg: LogMessage) => string | Buffer;
  private readonly batch: BatchEncoder;
  readonly effective: StdoutDestinationOptions;

  constructor(o: StdoutDestinationOptions) {
    super(o);
    this.effective = o;
    this.format = o.format;
    this.batch = new BatchEncoder({ framing: 'none', flushLines: this.flushLines });
  }

  async start(): Promise<void> {}

  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    for (const e of entries) this.batch.add(this.format(e.msg));
    if (this.batch.count === 0) return done();
    const buf = this.batch.take();
    process.stdout.write(buf, (err) => {
      if (!err) this.addWrittenBytes(buf.length);
      done(err ?? undefined);
    });
  }

  protected async close(): Promise<void> {}
}
