/** strerror()-style text for Node errno codes, for messages syslog-ng users recognise. */
const TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
};

export function describeErrno(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code && TEXT[code]) return TEXT[code];
  return code ?? String((e as Error)?.message ?? e);
}
