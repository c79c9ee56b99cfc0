/**
 * `unix-stream()`, `unix-dgram()` and `system()` sources (AxoSyslog 4.27
 * afunix-source.c and its grammar): a socket file other programs write to.
 * Defaults as there: perm(0666), max-connections(256), one message per
 * datagram, newline-separated lines on a stream.
 */
import type { OptionRow, OptionSchema } from './types.ts';
import { noEffectUnless, notImplementedUnless } from './common.ts';
import { readerRows } from './file.ts';

const SRC = ['source'] as const;

const socketFileRows: OptionRow[] = [
  { name: 'perm', type: { kind: 'int' }, default: 0o666, sides: SRC, doc: 'mode of the socket file (octal, e.g. 0660); applied exactly, whatever the umask' },
  { name: 'owner', type: { kind: 'string' }, sides: SRC, doc: 'owner of the socket file (name or number; unset: the daemon user)' },
  { name: 'group', type: { kind: 'string' }, sides: SRC, doc: 'group of the socket file (name or number; unset: the daemon group)' },
  { name: 'create-dirs', type: { kind: 'yesno' }, inherit: 'create-dirs', sides: SRC, doc: 'create missing directories of the socket path' },
  {
    name: 'keep-alive',
    type: { kind: 'yesno' },
    default: true,
    sides: SRC,
    ignored: noEffectUnless('keep-alive', true, 'a reload keeps the sockets of every source it leaves unchanged; remove it'),
    doc: 'keep connections open across a reload (logferry keeps those of an unchanged source, always)',
  },
  {
    name: 'pass-unix-credentials',
    type: { kind: 'yesno' },
    default: false,
    sides: SRC,
    unsupported: notImplementedUnless('pass-unix-credentials', false),
    doc: 'read the sender\'s PID/UID/GID from the socket (SO_PASSCRED; not implemented yet)',
  },
  ...readerRows.map((r) => ({ ...r, sides: SRC })),
];

const positional = { source: { min: 1, max: 1, what: 'socket path' } } as const;

export const unixStreamSchema: OptionSchema = {
  name: 'unix-stream()',
  positional,
  rows: [
    { name: 'max-connections', type: { kind: 'positive-int' }, default: 256, sides: SRC, doc: 'connections open at once; one more is closed at once with an error line' },
    { name: 'listen-backlog', type: { kind: 'positive-int' }, default: 255, sides: SRC, doc: 'connections the kernel queues before they are accepted' },
    {
      name: 'so-rcvbuf',
      type: { kind: 'non-negative-int' },
      default: 0,
      sides: SRC,
      ignored: noEffectUnless('so-rcvbuf', 0, 'Node.js cannot set SO_RCVBUF on a unix stream socket; remove it'),
      doc: 'socket receive buffer in bytes (no effect: Node.js cannot set it on a unix stream socket)',
    },
    ...socketFileRows,
  ],
};

export const unixDgramSchema: OptionSchema = {
  name: 'unix-dgram()',
  positional,
  rows: [
    { name: 'so-rcvbuf', type: { kind: 'non-negative-int' }, default: 0, sides: SRC, doc: 'socket receive buffer in bytes (0 = kernel default; the kernel doubles it); system() sets 8192 for /dev/log' },
    ...socketFileRows,
  ],
};

/** system() takes no options: it expands to the host's own log sources (sources/system.ts) */
export const systemSchema: OptionSchema = { name: 'system()', rows: [] };
