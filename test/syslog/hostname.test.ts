import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogMessage, MsgFlag } from '../../src/message/log-message.ts';
import { applyHostRules, type HostRules, type Sender } from '../../src/syslog/hostname.ts';

const base: HostRules = { keepHostname: false, chainHostnames: false, useDns: false, useFqdn: false, normalizeHostnames: false };

function run(host: string, rules: Partial<HostRules>, sender: Sender = { ip: '192.0.2.7' }, flags = 0): LogMessage {
  const m = new LogMessage({ sec: 0, usec: 0, gmtoff: 0 });
  m.host = host;
  m.flags = flags;
  applyHostRules(m, sender, { ...base, ...rules });
  return m;
}

// syslog-ng's chain-hostnames / keep-hostname table (drivers.md §8)
const table: Array<[keep: boolean, chain: boolean, orig: string, host: string]> = [
  [true, true, 'orig', 'orig'],
  [true, false, 'orig', 'orig'],
  [false, true, 'orig', 'orig/192.0.2.7'],
  [false, false, 'orig', '192.0.2.7'],
  [true, false, '', '192.0.2.7'],
  [true, true, '', '192.0.2.7/192.0.2.7'],
  [false, true, '', '192.0.2.7/192.0.2.7'],
];
for (const [keep, chain, orig, want] of table) {
  test(`keep-hostname(${keep}) chain-hostnames(${chain}) with HOST "${orig}" gives "${want}"`, () => {
    const m = run(orig, { keepHostname: keep, chainHostnames: chain });
    assert.equal(m.host, want);
    assert.equal(m.hostFrom, '192.0.2.7');
  });
}

test('use-dns(yes) takes the resolved name: short unless use-fqdn, lower-cased with normalize-hostnames', () => {
  const sender = { ip: '192.0.2.7', resolvedName: 'Web1.Example.COM' };
  assert.equal(run('', { useDns: true }, sender).host, 'Web1');
  assert.equal(run('', { useDns: true, useFqdn: true }, sender).host, 'Web1.Example.COM');
  assert.equal(run('', { useDns: true, useFqdn: true, normalizeHostnames: true }, sender).host, 'web1.example.com');
  assert.equal(run('', { useDns: false }, sender).host, '192.0.2.7');
  assert.equal(run('', { useDns: true }, { ip: '2001:db8::1' }).host, '2001:db8::1');
});

test('local messages chain as <source-group>@<name>', () => {
  const m = run('x', { chainHostnames: true, sourceGroup: 's_local' }, { ip: '', resolvedName: 'box.example' }, MsgFlag.LOCAL);
  assert.equal(m.host, 's_local@box');
  const n = run('x', { chainHostnames: true, sourceGroup: 's_net', local: true }, { ip: '', resolvedName: 'box' });
  assert.equal(n.host, 's_net@box');
});

test('host-override() and program-override() apply last', () => {
  const m = run('orig', { keepHostname: true, chainHostnames: true, hostOverride: 'forced', programOverride: 'prog' });
  assert.equal(m.host, 'forced');
  assert.equal(m.program, 'prog');
});

test('a HOST filled by the rules clears NO_HOST', () => {
  const m = run('', {}, { ip: '192.0.2.7' }, MsgFlag.NO_HOST);
  assert.equal(m.flags & MsgFlag.NO_HOST, 0);
});
