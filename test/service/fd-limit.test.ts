/** The open-file limit check: /proc/self/limits parsing, the count it needs, the one warning line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FD_MARGIN, fdLimitWarning, fdNeeds, openFdCount, readNofile } from '../../src/daemon/service/fd-limit.ts';
import { parse } from '../config/helpers.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test('readNofile reads the soft and hard "Max open files"; unlimited is undefined', () => {
  assert.deepEqual(readNofile(LIMITS), { soft: 1024, hard: 524288 });
  assert.deepEqual(readNofile(LIMITS.replace('1024                 524288', 'unlimited            unlimited')), { soft: undefined, hard: undefined });
  assert.equal(readNofile('nothing here'), undefined);
  // this process's own limits parse (Linux)
  const own = readNofile();
  assert.ok(own && (own.soft === undefined || own.soft > 0));
  assert.ok((openFdCount() ?? 0) > 2);
});

test('fdNeeds sums max-connections() of stream sources only, plus destinations, open fds and the margin', () => {
  const plan = parse(`@version: 4.27
source a { network(port(6001) transport(tcp) max-connections(300)); };
source b { network(port(6002) transport(tcp) max-connections(50)); network(port(6003) transport(udp)); };
destination d { file("/tmp/x"); network("127.0.0.1" port(6004)); };
log { source(a); source(b); destination(d); };
`);
  const n = fdNeeds(plan, 20);
  assert.equal(n.connections, 350);
  assert.equal(n.streamSources, 2);
  assert.equal(n.destinations, 2);
  assert.equal(n.total, 20 + 350 + 2 + FD_MARGIN);
});

test('the warning: only below the need, naming the numbers and what to set', () => {
  const needs = { connections: 350, streamSources: 2, destinations: 2, openNow: 20, margin: FD_MARGIN, total: 436 };
  assert.equal(fdLimitWarning({ soft: 436, hard: 436 }, needs), undefined);
  assert.equal(fdLimitWarning({ soft: undefined, hard: undefined }, needs), undefined);
  const w = fdLimitWarning({ soft: 256, hard: 4096 }, needs)!;
  assert.equal(
    w,
    'The open-file limit is 256, below the 436 descriptors this configuration may need (350 max-connections() of 2 stream sources, 2 destinations, 20 open now, 64 spare): connections past it fail with EMFILE; set LimitNOFILE=1024 in the systemd unit, or run \'ulimit -n 1024\' before starting logferry; Node cannot raise it itself',
  );
  const big = fdLimitWarning({ soft: 1024, hard: 1024 }, { ...needs, connections: 5000, total: 5086 })!;
  assert.match(big, /LimitNOFILE=5086 .*ulimit -n 5086.*as root: the hard limit 1024 must be raised too/);
});
