/**
 * `disk-buffer()` of network()/syslog() destinations (and tcp()/tcp6()):
 * AxoSyslog 4.27's option names and aliases (modules/diskq), over logferry's
 * own segment format (docs/disk-buffer.md). Options that tune AxoSyslog's
 * single-file queue (prealloc, truncation, compaction, its memory caches) are
 * accepted with one warning each, so stock configs run.
 */
import type { OptionSchema } from './types.ts';

/** AxoSyslog's MIN_CAPACITY_BYTES: a smaller disk-buf-size() warns and is raised to it */
export const MIN_DISK_BUF_SIZE = 1024 * 1024;
export const DEFAULT_MEM_BUF_SIZE = 64 * 1024 * 1024;
export const DEFAULT_RESEND_WINDOW_TIME = 2;
/** off: a byte window under the socket buffers (several MiB on Linux) could release records the receiver never read */
export const DEFAULT_RESEND_WINDOW_BYTES = 0;

const NO_SINGLE_FILE = 'logferry keeps records in segment files that are deleted once acknowledged (docs/disk-buffer.md)';

export const diskBufferSchema: OptionSchema = {
  name: 'disk-buffer()',
  rows: [
    {
      name: 'reliable',
      type: { kind: 'yesno' },
      default: false,
      doc: 'yes: every record is synced to disk (fsync, group commit) before a flow-controlled source may read on, so a kill -9 or power loss loses none; no: records are written but not synced (a crash of the machine may lose the newest)',
    },
    {
      name: 'disk-buf-size',
      type: { kind: 'size', wide: true },
      aliases: ['capacity-bytes'],
      doc: 'required: most bytes the buffer\'s files may take (at least 1MiB: smaller warns and is raised to it); when full, flow-controlled messages wait and others are dropped and counted',
    },
    {
      name: 'mem-buf-size',
      type: { kind: 'size', wide: true },
      aliases: ['flow-control-window-bytes'],
      default: DEFAULT_MEM_BUF_SIZE,
      doc: 'most bytes of records sent and not yet released (acknowledged, or past the resend window): the sender waits when it is reached, so it bounds what a broken connection sends again (logferry writes every record to disk first: no queue in front of the disk)',
    },
    {
      name: 'mem-buf-length',
      type: { kind: 'non-negative-int' },
      aliases: ['flow-control-window-size'],
      ignored: 'mem-buf-length() (flow-control-window-size()) is deprecated and has no effect, as in AxoSyslog 4.27; remove it and review log-iw-size() of the sources',
      doc: 'deprecated, no effect (as in AxoSyslog)',
    },
    {
      name: 'dir',
      type: { kind: 'path' },
      doc: "directory that holds this destination's buffer directory (default: the persist file's directory); the buffer itself is the subdirectory named after the destination (docs/disk-buffer.md)",
    },
    {
      name: 'resend-window-time',
      type: { kind: 'float' },
      default: DEFAULT_RESEND_WINDOW_TIME,
      check: (v) => (typeof v === 'number' && v < 0 ? 'resend-window-time() cannot be negative' : undefined),
      doc: 'logferry extension: against a plain syslog receiver, a record leaves the buffer only once the connection has stayed up this many seconds after it was written; after a broken connection everything younger is sent again',
    },
    {
      name: 'resend-window-bytes',
      type: { kind: 'size', wide: true },
      default: DEFAULT_RESEND_WINDOW_BYTES,
      doc: 'logferry extension: ... or once this many bytes were written after it on the same connection, whichever comes first (0, the default: time only; keep it above the socket buffers of both ends, or records the receiver never read may be released)',
    },
    {
      name: 'prealloc',
      type: { kind: 'yesno' },
      ignored: (v) => `prealloc(${v ? 'yes' : 'no'}) is accepted but has no effect in logferry: ${NO_SINGLE_FILE}; remove it`,
      doc: 'preallocate the queue file (no effect in logferry)',
    },
    {
      name: 'truncate-size-ratio',
      type: { kind: 'float' },
      check: (v) => (typeof v === 'number' && (v < 0 || v > 1) ? 'It cannot be bigger, than 1' : undefined),
      ignored: (v) => `truncate-size-ratio(${String(v)}) is accepted but has no effect in logferry: ${NO_SINGLE_FILE}; remove it`,
      doc: 'when to truncate the queue file (no effect in logferry)',
    },
    {
      name: 'compaction',
      type: { kind: 'yesno' },
      ignored: (v) => `compaction(${v ? 'yes' : 'no'}) is accepted but has no effect in logferry: records are stored formatted, there is nothing to compact; remove it`,
      doc: 'compact stored messages (no effect in logferry)',
    },
    {
      name: 'front-cache-size',
      type: { kind: 'non-negative-int' },
      aliases: ['qout-size'],
      ignored: (v) => `front-cache-size(${String(v)}) is accepted but has no effect in logferry: ${NO_SINGLE_FILE}, and mem-buf-size() bounds what the sender holds; remove it`,
      doc: 'messages kept in memory before the disk (no effect in logferry)',
    },
  ],
};
