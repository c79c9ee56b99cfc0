/**
 * The two syslog-ng-language implementations the interop tests run side by side: the real
 * syslog-ng 3.38 and logferry. Both take the same flags and the same config text.
 */
import { skipUnlessLogferry, startLogferry } from '../../helpers/daemon.ts';
import { skipUnlessPeers, startSyslogNg } from '../../helpers/peers.ts';
import type { DaemonHandle, DaemonOptions } from '../../helpers/peers.ts';

export type Impl = 'syslog-ng' | 'logferry';

export function startImpl(impl: Impl, opts: DaemonOptions): Promise<DaemonHandle> {
  return impl === 'syslog-ng' ? startSyslogNg(opts) : startLogferry(opts);
}

/** node:test `skip` value for tests that need `impl`. */
export function skipUnlessImpl(impl: Impl): string | false {
  return impl === 'syslog-ng' ? skipUnlessPeers('syslog-ng') : skipUnlessLogferry();
}
