/** `file()`, `stdin()`, `stdout()`, `internal()`. */
import type { OptionRow, OptionSchema } from './types.ts';
import { DESTINATION_FLAGS, DESTINATION_FLAGS_NO_EFFECT, SOURCE_FLAGS, SOURCE_FLAGS_NO_EFFECT, destinationFormatRows, refusedDiskBufferRow, hostnameRows, noEffectUnless, notImplementedUnless, sourceMessageRows, NO_PERSIST } from './common.ts';

const SRC = ['source'] as const;
const DST = ['destination'] as const;

const readerRows: OptionRow[] = [
  { name: 'flags', type: { kind: 'flags', values: SOURCE_FLAGS, noEffect: SOURCE_FLAGS_NO_EFFECT }, default: [], doc: 'how read lines are parsed (no-parse, syslog-protocol, …)' },
  { name: 'log-iw-size', type: { kind: 'positive-int' }, default: 100, doc: 'flow-control window in messages' },
  { name: 'log-fetch-limit', type: { kind: 'positive-int' }, default: 10, doc: 'messages read before yielding to other work' },
  ...hostnameRows,
  ...sourceMessageRows,
];

const writerRows: OptionRow[] = [
  { name: 'flags', type: { kind: 'flags', values: [...DESTINATION_FLAGS, 'fsync'], noEffect: DESTINATION_FLAGS_NO_EFFECT }, default: [], doc: 'how messages are formatted (syslog-protocol, no-multi-line, fsync, …)' },
  ...destinationFormatRows,
  refusedDiskBufferRow,
];

export const fileSchema: OptionSchema = {
  name: 'file()',
  positional: {
    source: { min: 1, max: 1, what: 'file name' },
    destination: { min: 1, max: 1, what: 'file name template' },
  },
  rows: [
    { name: 'follow-freq', type: { kind: 'float' }, default: 1, sides: SRC, doc: 'seconds between checks for new data at the end of the file (0 = read once)' },
    ...readerRows.map((r) => ({ ...r, sides: SRC })),
    ...writerRows.map((r) => ({ ...r, sides: DST })),
    { name: 'create-dirs', type: { kind: 'yesno' }, inherit: 'create-dirs', sides: DST, doc: 'create missing directories' },
    { name: 'perm', type: { kind: 'int' }, inherit: 'perm', sides: DST, doc: 'mode of created files (octal, e.g. 0640)' },
    { name: 'dir-perm', type: { kind: 'int' }, inherit: 'dir-perm', sides: DST, doc: 'mode of created directories (octal)' },
    { name: 'owner', type: { kind: 'string' }, inherit: 'owner', sides: DST, doc: 'owner of created files' },
    { name: 'group', type: { kind: 'string' }, inherit: 'group', sides: DST, doc: 'group of created files' },
    { name: 'dir-owner', type: { kind: 'string' }, inherit: 'dir-owner', sides: DST, doc: 'owner of created directories' },
    { name: 'dir-group', type: { kind: 'string' }, inherit: 'dir-group', sides: DST, doc: 'group of created directories' },
    { name: 'time-reap', type: { kind: 'positive-int' }, inherit: 'time-reap', sides: DST, doc: 'close the file after this many idle seconds' },
    { name: 'fsync', type: { kind: 'yesno' }, default: false, sides: DST, doc: 'fsync() after every written batch' },
    {
      name: 'overwrite-if-older',
      type: { kind: 'non-negative-int' },
      default: 0,
      sides: DST,
      unsupported: notImplementedUnless('overwrite-if-older', 0),
      doc: 'truncate files older than this many seconds (0 = never; not implemented yet)',
    },
  ],
};

export const stdinSchema: OptionSchema = { name: 'stdin()', rows: readerRows.map((r) => ({ ...r, sides: SRC })) };

export const stdoutSchema: OptionSchema = { name: 'stdout()', rows: writerRows.map((r) => ({ ...r, sides: DST })) };

export const internalSchema: OptionSchema = {
  name: 'internal()',
  rows: [
    { name: 'tags', type: { kind: 'string-list' }, default: [], sides: SRC, doc: 'tags added to each message, besides .source.<source name>' },
    {
      name: 'log-iw-size',
      type: { kind: 'positive-int' },
      default: 100,
      sides: SRC,
      ignored: noEffectUnless('log-iw-size', 100, 'internal() messages are never held back by flow control in logferry; remove it'),
      doc: 'initial flow-control window (no effect: internal() is not flow-controlled)',
    },
    { name: 'program-override', type: { kind: 'string' }, sides: SRC, doc: 'replace ${PROGRAM} of every message with this text' },
    { name: 'host-override', type: { kind: 'string' }, sides: SRC, doc: 'replace ${HOST} of every message with this text' },
    { name: 'persist-name', type: { kind: 'string' }, sides: SRC, ignored: noEffectUnless('persist-name', undefined, NO_PERSIST), doc: 'identity across reloads and in the persist file (no effect: logferry keys a file() source by its path, affile_sd_curpos(PATH))' },
  ],
};
