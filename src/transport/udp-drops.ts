/**
 * Datagrams the kernel dropped for one UDP socket because its receive buffer
 * was full: the classic silent loss of syslog over UDP, made visible.
 *
 * Where the number comes from: syslog-ng reads it with getsockopt(SO_MEMINFO)
 * (SK_MEMINFO_DROPS), and SO_RXQ_OVFL would put it on every recvmsg(); Node
 * offers neither. Linux shows the same per-socket count in the `drops` column
 * of /proc/net/udp and /proc/net/udp6, on the row of the socket's inode, which
 * /proc/self/fd/FD names (`socket:[INODE]`). Where that is missing (not Linux,
 * no /proc) the watch reports nothing and says so once, at verbose level.
 */
import * as fs from 'node:fs';
import type * as dgram from 'node:dgram';
import { internalLog } from '../core/internal-log.ts';
import { emit } from '../core/telemetry.ts';
import { udpReceiveDropped } from './events.ts';

const PROC_FILES = ['/proc/net/udp', '/proc/net/udp6'];

/** the descriptor of a bound dgram socket, without the deprecated `_handle` getter */
export function dgramFd(sock: dgram.Socket): number | undefined {
  const sym = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  const state = sym ? (sock as unknown as Record<symbol, { handle?: { fd?: unknown } }>)[sym] : undefined;
  const fd = state?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** the inode of the socket behind descriptor `fd` of this process */
export function socketInode(fd: number): number | undefined {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** the kernel's drop count of the UDP socket with inode `inode`; undefined when not found */
export function readUdpDrops(inode: number, files: readonly string[] = PROC_FILES): number | undefined {
  const id = String(inode);
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      // sl local rem st queues tr retrnsmt uid timeout inode ref pointer drops
      const f = line.trim().split(/\s+/);
      if (f.length >= 13 && f[9] === id) return Number(f[12]);
    }
  }
  return undefined;
}

/**
 * Polls the socket's drop count every `intervalMs` while it is open and
 * reports growth as one line per interval; `close()` takes a last reading.
 */
export class UdpDropWatch {
  private readonly inode: number | undefined;
  private readonly start: number;
  private last: number;
  private readonly report: (dropped: number, total: number) => void;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(sock: dgram.Socket, o: { group: string; local: string; intervalMs: number }) {
    const fd = dgramFd(sock);
    this.inode = fd === undefined ? undefined : socketInode(fd);
    const start = this.inode === undefined ? undefined : readUdpDrops(this.inode);
    this.start = this.last = start ?? 0;
    this.report = (dropped, total) => emit(udpReceiveDropped, { group: o.group, local: o.local, dropped, total });
    if (start === undefined) {
      internalLog('verbose', 'The kernel does not show this socket’s receive-buffer drops; they are not counted', { local: o.local });
      return;
    }
    this.timer = setInterval(() => this.poll(), o.intervalMs);
    this.timer.unref();
  }

  /** reads the count now and reports any growth */
  poll(): void {
    if (this.inode === undefined) return;
    const now = readUdpDrops(this.inode);
    if (now === undefined || now <= this.last) return;
    const dropped = now - this.last;
    this.last = now;
    this.report(dropped, now - this.start);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.poll();
  }
}
