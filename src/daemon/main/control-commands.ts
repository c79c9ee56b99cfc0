/**
 * The commands the control socket answers, as syslog-ng-ctl names them. A
 * table, so the later `logferry ctl` (stats, log levels…) adds rows here.
 */
import type { ControlCommand } from './control-socket.ts';

/** what the commands need of the daemon */
export interface Controllable {
  reload(trigger: string): Promise<{ ok: boolean; text: string }>;
}

export function controlCommands(daemon: Controllable): Map<string, ControlCommand> {
  return new Map<string, ControlCommand>([
    // syslog-ng answers "OK Config reload successful" / "FAIL ..., previous config remained intact"
    ['RELOAD', () => daemon.reload('control socket')],
  ]);
}
