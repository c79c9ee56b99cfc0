/**
 * owner()/group()/dir-owner()/dir-group() name → numeric id (file() destinations, unix socket sources). Node has no
 * getpwnam(), so the local account files are read (what getpwnam() consults
 * on a host without NSS modules); a number is taken as the id itself.
 */
import * as fs from 'node:fs';

function lookup(file: string, name: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] === name && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return undefined;
}

/** undefined for an unset or empty name (syslog-ng: leave the id alone); null when the name is unknown */
export function resolveId(kind: 'user' | 'group', name: string | undefined, files = { user: '/etc/passwd', group: '/etc/group' }): number | undefined | null {
  if (name === undefined || name === '' || name === '-1') return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  return lookup(files[kind], name) ?? null;
}
