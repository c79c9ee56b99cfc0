/** -u/-g resolution and its one-sentence errors, without root: the lookups are stand-ins for getent/id. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrivilegeError, resolveRunAs, type IdLookup } from '../../src/daemon/service/privileges.ts';

function lookup(uid: number): IdLookup {
  const passwd: Record<string, string> = { logferry: 'logferry:x:120:130::/nonexistent:/usr/sbin/nologin' };
  const group: Record<string, string> = { logferry: 'logferry:x:130:', adm: 'adm:x:4:logferry', '130': 'logferry:x:130:' };
  return { passwd: (n) => passwd[n], group: (n) => group[n], groupsOf: (n) => (n === 'logferry' ? [130, 4] : undefined), uid: () => uid };
}

test('no -u/-g: nothing to drop', () => {
  assert.equal(resolveRunAs(undefined, undefined, lookup(0)), undefined);
});

test('-u alone: the user, its primary group first, then its own supplementary groups (not root\'s)', () => {
  assert.deepEqual(resolveRunAs('logferry', undefined, lookup(0)), { user: 'logferry', uid: 120, group: 'logferry', gid: 130, groups: [130, 4] });
});

test('-u and -g: the named group is the primary one', () => {
  assert.deepEqual(resolveRunAs('logferry', 'adm', lookup(0)), { user: 'logferry', uid: 120, group: 'adm', gid: 4, groups: [4, 130] });
});

test('-g alone changes only the group; numeric ids are taken as they are', () => {
  assert.deepEqual(resolveRunAs(undefined, 'adm', lookup(0)), { user: undefined, uid: undefined, group: 'adm', gid: 4, groups: [4] });
  assert.deepEqual(resolveRunAs('4242', '4243', lookup(0)), { user: undefined, uid: 4242, group: '4243', gid: 4243, groups: [4243] });
});

test('an unknown user or group is one sentence with the fix', () => {
  assert.throws(() => resolveRunAs('nosuch', undefined, lookup(0)), (e: Error) => {
    assert.ok(e instanceof PrivilegeError);
    assert.equal(e.message, "unknown user 'nosuch' (-u): create it (useradd --system --no-create-home nosuch) or name an existing user");
    return true;
  });
  assert.throws(() => resolveRunAs('logferry', 'nogroup2', lookup(0)), /^PrivilegeError: unknown group 'nogroup2' \(-g\): create it \(groupadd --system nogroup2\)/);
  assert.throws(() => resolveRunAs('4242', undefined, lookup(0)), /user id 4242 \(-u\) has no passwd entry, so its group is unknown: name the group with -g/);
});

test('not root: refused in one sentence naming the uid', () => {
  assert.throws(() => resolveRunAs('logferry', undefined, lookup(1000)), (e: Error) => {
    assert.equal(e.message, '-u/-g change the user only when logferry starts as root, and it runs as uid 1000: start it as root (systemd does) or leave out -u and -g');
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});
