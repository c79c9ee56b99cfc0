/**
 * A destination that cannot connect says, in one line per attempt, which
 * destination (name and config location), the address it tried, why, what to
 * check and when it retries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/peers.ts';
import { startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { createConnector } from '../../src/transport/connector.ts';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { asCompiled } from './helpers.ts';

test('daemon: connection refused names the destination, its location, the address, what to check and time-reopen()', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('lf-refused');
  t.after(() => dir.remove());
  const [port, dead] = [await freePort(), await freePort()];
  const d = await startLogferry({
    config: `@version: 4.27
source s { network(ip(127.0.0.1) port(${port}) transport(tcp)); };
destination d_remote {
  network("localhost" port(${dead}) time-reopen(1));
};
log { source(s); destination(d_remote); };
`,
    readyPorts: [port],
  });
  t.after(() => d.stop());
  // two attempts, a time-reopen() apart: the daemon reports each as it happens
  await d.process.waitForStderr(/Syslog connection failed[^\n]*\n[\s\S]*Syslog connection failed[^\n]*\n/, 15_000);
  const lines = d.stderr().split('\n');
  const failed = lines.filter((l) => l.includes('Syslog connection failed'));
  const first = failed[0];
  assert.match(first, /destination='d_remote'/);
  assert.match(first, /location='[^']*daemon\.conf:4:3'/);
  assert.match(first, new RegExp(`server='AF_INET\\(127\\.0\\.0\\.1:${dead}\\)'`));
  assert.match(first, /host='localhost'/);
  assert.match(first, /Connection refused \(111\)/);
  assert.match(first, /is running and listening on port \d+ \(TCP\), and that no firewall/);
  assert.match(first, /retrying every 1 s \(time-reopen\(\)\)/);
  // one line per attempt, no companion line
  assert.equal(lines.filter((l) => /Initiating connection failed|Syslog connection broken/.test(l)).length, 0, d.stderr());
});

test('connector: a name that does not resolve is one line with the name, the location and the retry interval', { timeout: 20_000 }, async (t) => {
  const events: InternalEvent[] = [];
  let seen!: () => void;
  const logged = new Promise<void>((r) => (seen = r));
  setInternalSinks([(ev) => {
    events.push(ev);
    if (ev.text === 'Error resolving hostname') seen();
  }], { debug: true });
  const c = createConnector({ ...asCompiled.connector(), host: 'no-such-host.invalid', port: 514, timeReopenMs: 60_000, name: 'd_x', location: { file: 'x.conf', line: 9, column: 5 } });
  t.after(() => c.destroy());
  c.start();
  await logged;
  // the next attempt is a minute away: whatever this attempt logs has been logged by now
  await new Promise((r) => setImmediate(r));
  const errors = events.filter((e) => e.level === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].tags.destination, 'd_x');
  assert.equal(errors[0].tags.location, 'x.conf:9:5');
  assert.match(String(errors[0].tags.fix), /'no-such-host\.invalid' does not resolve.*retrying every 60 s/);
});
