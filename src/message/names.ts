/** syslog facility and severity names, as syslog-ng prints and accepts them. */

export const severityNames = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

export const facilityNames = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news',
  'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

const severityAliases: Record<string, number> = {
  emerg: 0, emergency: 0, panic: 0,
  alert: 1,
  crit: 2, critical: 2,
  err: 3, error: 3,
  warning: 4, warn: 4,
  notice: 5,
  info: 6, informational: 6,
  debug: 7,
};

/** severity number for a name (case-insensitive), or -1 */
export function severityFromName(name: string): number {
  return severityAliases[name.toLowerCase()] ?? -1;
}

/** facility number for a name (case-insensitive, `_` = `-`), or -1 */
export function facilityFromName(name: string): number {
  const n = name.toLowerCase().replace(/_/g, '-');
  const i = facilityNames.indexOf(n);
  return i;
}
