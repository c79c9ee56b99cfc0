/**
 * HOST / HOST_FROM on reception, as syslog-ng's `log_source_mangle_hostname`
 * and the host-override()/program-override() options do it.
 * No DNS here: with use-dns(yes) the caller passes the name it resolved.
 */
import { hostname as osHostname } from 'node:os';
import type { LogMessage } from '../message/log-message.ts';
import { MsgFlag } from '../message/log-message.ts';

export interface HostRules {
  keepHostname: boolean;
  chainHostnames: boolean;
  useDns: boolean;
  useFqdn: boolean;
  normalizeHostnames: boolean;
  hostOverride?: string;
  programOverride?: string;
  /** the message came from a local source (or is one of our own, e.g. a parse error report) */
  local?: boolean;
  /** name of the source statement, for chained local names `<group>@<host>` */
  sourceGroup?: string;
}

/** the same options under the name the source drivers use */
export type HostRuleOptions = HostRules;

export interface Sender {
  ip: string;
  /** reverse-DNS result (or, for local sources, the local host name); used only with use-dns(yes) */
  resolvedName?: string;
}

/** syslog-ng's HOST buffer is 256 bytes with the NUL */
const HOST_MAX = 255;

/** `${HOST_FROM}`: resolved name (short unless use-fqdn) or the address text; lower-cased with normalize-hostnames. */
export function senderName(sender: Sender, opts: HostRules, local: boolean): string {
  let name: string;
  if (local) {
    name = sender.resolvedName ?? osHostname();
    if (!opts.useFqdn) name = shortName(name);
  } else if (opts.useDns && sender.resolvedName) {
    // only real names are shortened, never IP address text
    name = opts.useFqdn ? sender.resolvedName : shortName(sender.resolvedName);
  } else {
    name = sender.ip;
  }
  return opts.normalizeHostnames ? name.toLowerCase() : name;
}

function shortName(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function applyHostRules(msg: LogMessage, sender: Sender, opts: HostRules): void {
  const local = opts.local === true || (msg.flags & MsgFlag.LOCAL) !== 0;
  const from = senderName(sender, opts, local);
  msg.hostFrom = from;
  const orig = msg.host;
  if (!opts.keepHostname || orig === '') {
    if (opts.chainHostnames) {
      let chained: string;
      if (local) chained = `${opts.sourceGroup ?? ''}@${from}`;
      else if (orig === '') chained = `${from}/${from}`;
      else chained = `${orig}/${from}`;
      msg.host = cutBytes(chained, HOST_MAX);
    } else {
      msg.host = from;
    }
  }
  if (opts.hostOverride !== undefined) msg.host = opts.hostOverride;
  if (opts.programOverride !== undefined) msg.program = opts.programOverride;
  if (msg.host !== '') msg.flags &= ~MsgFlag.NO_HOST;
}

function cutBytes(s: string, max: number): string {
  if (s.length <= max / 3 || Buffer.byteLength(s) <= max) return s;
  const b = Buffer.from(s, 'utf8').subarray(0, max);
  return b.toString('utf8').replace(/\uFFFD$/, '');
}
