/** max-connection-lifetime() (a logferry extension) reaches the connector; on UDP, with no connection to renew, it warns once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/index.ts';
import { prepare } from '../../src/daemon/worker/prepare.ts';

const conf = (transport: string) => `@version: 4.27
source s { stdin(); };
destination d { network("127.0.0.1" port(5514) transport(${transport}) max-connection-lifetime(600)); };
log { source(s); destination(d); };
`;

test('max-connection-lifetime(600) on TCP: the connector gets 600 000 ms and nothing warns', () => {
  const plan = parseConfigText(conf('tcp'), '/cfg/lifetime.conf');
  assert.deepEqual(plan.warnings, []);
  const d = prepare(plan, { dryRun: true }).destinations[0] as unknown as { effective: { maxLifetimeMs: number } };
  assert.equal(d.effective.maxLifetimeMs, 600_000);
});

test('max-connection-lifetime() on UDP: one warning with file:line:col saying there is no connection to renew', () => {
  const plan = parseConfigText(conf('udp'), '/cfg/lifetime.conf');
  assert.equal(plan.warnings.length, 1, plan.warnings.join('\n'));
  assert.match(plan.warnings[0], /^\/cfg\/lifetime\.conf:3:\d+: WARNING: max-connection-lifetime\(600\) is accepted but has no effect here: transport\(udp\) has no connection to renew/);
});
