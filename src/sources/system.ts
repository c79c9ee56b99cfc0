/**
 * system() on Linux, expanded at start as AxoSyslog 4.27 does
 * (modules/system-source/system-source.c):
 *   - a host booted with systemd: the journal (4.27: systemd-journal(match-boot(yes)));
 *     the journal already holds the kernel's messages, so /dev/kmsg is not read;
 *   - otherwise unix-dgram("/dev/log" so-rcvbuf(8192)), plus the kernel's
 *     messages from /dev/kmsg when it can be opened.
 * One verbose line (-v) says which. Other systems are refused with one sentence.
 *
 * Tests and unusual hosts point the parts elsewhere (docs/configuration):
 *   LOGFERRY_SYSTEM_JOURNALCTL  use the journal, through this journalctl program
 *   LOGFERRY_SYSTEM_DEVLOG      use /dev/log at this path instead (no journal)
 *   LOGFERRY_SYSTEM_KMSG        kernel messages from this path ('' = none)
 */
import fs from 'node:fs';
import type { SystemSourceSettings } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import { internalLog } from '../core/internal-log.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';
import type { SourceEnv } from './common.ts';
import type { CursorSource } from './cursor-state.ts';
import { JOURNAL_PERSIST_NAME, JournalReader } from './journal.ts';
import { KmsgReader, kmsgReadable } from './kmsg.ts';
import { createUnixDgramSource } from './unix.ts';

export type SystemExpansion =
  | { kind: 'journal'; journalctl: string }
  | { kind: 'devlog'; devlog: string; kmsg: string | undefined };

/** what system() becomes on this host, given the environment (injected paths) */
export function expandSystem(environ: NodeJS.ProcessEnv = process.env, platform: string = process.platform): SystemExpansion | string {
  if (platform !== 'linux') return `system() is only implemented on Linux (this host is ${platform}); name the host's log sources explicitly, e.g. unix-dgram("/var/run/log")`;
  const journalctl = environ.LOGFERRY_SYSTEM_JOURNALCTL;
  const devlog = environ.LOGFERRY_SYSTEM_DEVLOG;
  const kmsgPath = environ.LOGFERRY_SYSTEM_KMSG ?? '/dev/kmsg';
  const kmsg = kmsgPath !== '' && kmsgReadable(kmsgPath) ? kmsgPath : undefined;
  if (journalctl) return { kind: 'journal', journalctl };
  if (devlog) return { kind: 'devlog', devlog, kmsg };
  // sd_booted(): the check 4.27's service management makes
  if (fs.existsSync('/run/systemd/system')) return { kind: 'journal', journalctl: 'journalctl' };
  return { kind: 'devlog', devlog: '/dev/log', kmsg };
}

/** the verbose line's words for an expansion, in syslog-ng's config language */
export function describeExpansion(e: SystemExpansion): string {
  if (e.kind === 'journal') return `systemd-journal(match-boot(yes)) read through ${e.journalctl} -o json --follow`;
  return `unix-dgram("${e.devlog}" so-rcvbuf(8192))${e.kmsg ? `; file("${e.kmsg}" program-override("kernel") flags(kernel) format(linux-kmsg) keep-timestamp(no))` : ''}`;
}

export function createSystemSource(s: SystemSourceSettings, env: SourceEnv, name: string): SourceDriver & CursorSource {
  const e = expandSystem();
  if (typeof e === 'string') throw new LocatedError(e, s.loc);
  const tags = ['.source.' + name];
  let journal: JournalReader | undefined;
  let kmsg: KmsgReader | undefined;
  let devlog: SourceDriver | undefined;
  if (e.kind === 'journal') journal = new JournalReader({ journalctl: e.journalctl, sourceName: name, hostname: env.hostname, tags });
  else {
    devlog = createUnixDgramSource({ ...s.devlog, path: e.devlog }, env, name);
    if (e.kmsg) kmsg = new KmsgReader({ path: e.kmsg, sourceName: name, hostname: env.hostname, tags });
  }
  return {
    name,
    effective: { expansion: e },
    async start(route: Route) {
      internalLog('verbose', 'system() source expanded', { source: name, to: describeExpansion(e) });
      if (env.dryRun) return;
      journal?.start(route);
      await devlog?.start(route);
      kmsg?.start(route);
    },
    async stop() {
      await Promise.all([journal?.stop(), devlog?.stop(), kmsg?.stop()]);
    },
    receivedBytes: () => devlog?.receivedBytes?.() ?? 0,
    cursorState() {
      const out: Record<string, string> = {};
      if (journal?.cursor !== undefined) out[JOURNAL_PERSIST_NAME] = journal.cursor;
      if (kmsg?.cursor !== undefined) out[kmsg.persistKey] = kmsg.cursor;
      return out;
    },
    resumeCursors(saved) {
      const j = saved[JOURNAL_PERSIST_NAME];
      if (journal && j !== undefined) journal.resume(j);
      const k = kmsg ? saved[kmsg.persistKey] : undefined;
      if (kmsg && k !== undefined) kmsg.resume(k);
    },
  };
}
