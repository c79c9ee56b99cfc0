/**
 * `-u USER` / `-g GROUP` (syslog-ng's process options): the daemon starts as
 * root, binds every port and reads every key, then gives root up for good.
 * The names are resolved before anything is opened, so a typo ends the start
 * with one sentence instead of a daemon that bound port 514 and then died.
 *
 * Resolution goes through `getent` (libc's NSS: /etc/passwd, LDAP, sssd…),
 * because Node has no getpwnam; numeric ids are taken as they are.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { NamedError } from '../../core/named-error.ts';

export class PrivilegeError extends NamedError {}

/** who the daemon becomes; `uid` undefined: only the group changes (-g alone) */
export interface RunAs {
  /** the user's name, for its groups and messages (undefined with a numeric -u that has no entry, or -g alone) */
  user: string | undefined;
  uid: number | undefined;
  group: string;
  gid: number;
  /** the supplementary groups after the drop: the user's own (getgrouplist, e.g. adm to read /var/log), or only gid */
  groups: number[];
}

export interface IdLookup {
  /** `getent passwd NAME`'s line, or undefined when there is none */
  passwd(name: string): string | undefined;
  group(name: string): string | undefined;
  /** `id -G NAME`: the user's group ids (primary and supplementary) */
  groupsOf(name: string): number[] | undefined;
  /** the current real user id */
  uid(): number;
}

function getent(db: string, name: string): string | undefined {
  try {
    return execFileSync('getent', [db, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0] || undefined;
  } catch (err) {
    // numeric ids need no lookup: they are taken as they are below
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !/^\d+$/.test(name)) {
      throw new PrivilegeError(`-u/-g need the getent command to look up '${name}', and it is not installed: install libc-bin (Debian) or musl-utils (Alpine), or give numeric ids`);
    }
    // exit 2: no such entry (other failures look the same to the user: the name does not resolve)
    return undefined;
  }
}

export const systemLookup: IdLookup = {
  passwd: (n) => getent('passwd', n),
  group: (n) => getent('group', n),
  groupsOf: (n) => {
    try {
      return execFileSync('id', ['-G', '--', n], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/).map(Number);
    } catch {
      return undefined;
    }
  },
  uid: () => process.getuid?.() ?? -1,
};

const NUMERIC = /^\d+$/;

/**
 * What -u/-g ask for, checked: both names exist, and the daemon runs as root
 * (or already as that user and group). Undefined when neither flag is given.
 */
export function resolveRunAs(user: string | undefined, group: string | undefined, lookup: IdLookup = systemLookup): RunAs | undefined {
  if (user === undefined && group === undefined) return undefined;
  let uid: number | undefined;
  let userName: string | undefined;
  let primaryGid: number | undefined;
  if (user !== undefined) {
    const line = lookup.passwd(user);
    if (line) {
      const f = line.split(':');
      userName = f[0];
      uid = Number(f[2]);
      primaryGid = Number(f[3]);
    } else if (NUMERIC.test(user)) {
      uid = Number(user);
    } else {
      throw new PrivilegeError(`unknown user '${user}' (-u): create it (useradd --system --no-create-home ${user}) or name an existing user`);
    }
  }
  let gid: number;
  let groupName: string;
  if (group !== undefined) {
    const line = lookup.group(group);
    if (line) {
      const f = line.split(':');
      groupName = f[0];
      gid = Number(f[2]);
    } else if (NUMERIC.test(group)) {
      gid = Number(group);
      groupName = group;
    } else {
      throw new PrivilegeError(`unknown group '${group}' (-g): create it (groupadd --system ${group}) or name an existing group`);
    }
  } else if (primaryGid !== undefined) {
    // unlike syslog-ng, which keeps root's group when -g is left out: a daemon that gave up root
    // should not keep gid 0 (it could still read root-group files)
    gid = primaryGid;
    groupName = lookup.group(String(primaryGid))?.split(':')[0] ?? String(primaryGid);
  } else {
    throw new PrivilegeError(`user id ${user} (-u) has no passwd entry, so its group is unknown: name the group with -g`);
  }
  const current = lookup.uid();
  if (current !== 0) {
    const already = (uid === undefined || uid === current) && gid === (process.getgid?.() ?? -1);
    if (!already) {
      throw new PrivilegeError(`-u/-g change the user only when logferry starts as root, and it runs as uid ${current}: start it as root (systemd does) or leave out -u and -g`);
    }
  }
  // -g stays first (the primary group); with -u the user's own groups follow, as initgroups() would set them
  const own = userName !== undefined ? (lookup.groupsOf(userName) ?? []) : [];
  const groups = [gid, ...own.filter((g) => g !== gid && Number.isInteger(g))];
  return { user: userName, uid, group: groupName, gid, groups };
}

/** set by dropPrivileges: who the daemon runs as now (for messages about files it can no longer read) */
let dropped: RunAs | undefined;

export function runningAs(): RunAs | undefined {
  return dropped;
}

/**
 * Gives up root for good: supplementary groups, then the group, then the user
 * (after setuid the others could no longer be changed). Every thread of the
 * process changes with it (glibc applies set*id to all threads), so the libuv
 * pool that opens files does too. Throws PrivilegeError in one sentence.
 */
export function dropPrivileges(r: RunAs): void {
  if ((process.getuid?.() ?? -1) !== 0) {
    // checked by resolveRunAs: already this user and group, nothing to give up
    dropped = r;
    return;
  }
  try {
    // root's supplementary groups go first: otherwise the daemon would keep gid 0's access through them
    process.setgroups!(r.groups);
    process.setgid!(r.gid);
    if (r.uid !== undefined) process.setuid!(r.uid);
  } catch (err) {
    throw new PrivilegeError(`could not change to ${describeRunAs(r)}: ${(err as Error).message}; check that the user and group exist`);
  }
  dropped = r;
}

export function describeRunAs(r: RunAs): string {
  const who = r.uid === undefined ? '' : `user ${r.user ?? r.uid} (uid ${r.uid}), `;
  return `${who}group ${r.group} (gid ${r.gid})`;
}

/**
 * The fix for a file the daemon can no longer read after -u/-g: undefined when
 * privileges were not dropped or the error is not a permission one.
 */
export function unreadableAfterDropHint(error: string): string | undefined {
  const r = dropped;
  if (!r || !/EACCES|permission denied/i.test(error)) return undefined;
  const who = r.user ?? String(r.uid ?? '');
  return (
    `logferry runs as ${describeRunAs(r)} since start-up (-u/-g) and cannot read root-only files again: ` +
    `make the key and certificate files readable by group ${r.group} (chgrp ${r.group} FILE; chmod 0640 FILE), ` +
    `or keep them in a directory ${who || 'that user'} can read (e.g. the ca-dir()); the last good files stay in use`
  );
}

/**
 * The TLS files the daemon can no longer read after the drop: they loaded at
 * start (as root), but a rotated copy will be refused. Said once at start, so
 * the first rotation is not where the operator learns it.
 */
export function unreadableAfterDrop(files: readonly string[], canRead: (f: string) => boolean): string | undefined {
  const r = dropped;
  if (!r) return undefined;
  const bad = [...new Set(files)].filter((f) => !canRead(f));
  if (bad.length === 0) return undefined;
  return (
    `After dropping to ${describeRunAs(r)}, logferry cannot read ${bad.join(', ')}: they are in use, but a rotated copy will be refused; ` +
    `make them readable by group ${r.group} (chgrp ${r.group} FILE; chmod 0640 FILE) or keep them in a directory ${r.user ?? 'that user'} can read`
  );
}

export function canRead(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A reload's "not started" text, with the reason when a new port below 1024
 * met a daemon that is no longer root (no capability is kept after the drop).
 */
export function withPortHint(message: string): string {
  const r = dropped;
  if (!r || r.uid === undefined || !/listen EACCES/.test(message)) return message;
  return `${message} (logferry runs as ${describeRunAs(r)} since start-up and cannot bind a port below 1024: restart it to add this port)`;
}

/**
 * After the drop: the persist file's directory (positions, acknowledgement
 * journal, disk buffers without dir()) must be writable by the user, since
 * those files are replaced by rename. One warning when it is not.
 */
export function stateDirWarning(dir: string | undefined): string | undefined {
  const r = dropped;
  if (!r || dir === undefined) return undefined;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch {
    return (
      `After dropping to ${describeRunAs(r)}, logferry cannot write ${dir}, where it keeps the persist file (-R): ` +
      `positions, acknowledgements and disk buffers without dir() cannot be saved; give -R a file in a directory ${r.user ?? 'that user'} owns (e.g. /var/lib/logferry)`
    );
  }
}
