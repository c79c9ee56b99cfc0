/**
 * amqp() settings without a broker: AxoSyslog 4.27's defaults, the failover
 * list, and the one-sentence errors for missing credentials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amqpDriver, seqMsg } from '../helpers/amqp-dest.ts';

const eff = (body: string) => (amqpDriver(body) as unknown as { effective: Record<string, unknown> }).effective;

test('amqp() defaults are AxoSyslog 4.27 afamqp defaults', () => {
  const e = eff('username("u") password("p")');
  assert.deepEqual(e.hosts, ['127.0.0.1']);
  assert.equal(e.port, 5672);
  assert.equal(e.vhost, '/');
  assert.equal(e.exchange, 'syslog');
  assert.equal(e.exchangeDeclare, false);
  assert.equal(e.exchangeType, 'fanout');
  assert.equal(e.persistent, true);
  assert.equal(e.authMethod, 'plain');
  assert.equal(e.maxChannel, 2047);
  assert.equal(e.frameSize, 131072);
  assert.equal(e.heartbeat, 0);
  assert.equal(e.peerVerify, true);
  // no body(): an empty body, an empty routing key, the values in the headers
  const shown = (e.format as (m: unknown) => string)(seqMsg(3));
  const [key, headers, body] = shown.split('\n');
  assert.equal(key, '');
  assert.equal(body, '');
  assert.equal(JSON.parse(headers).MESSAGE ?? JSON.parse(headers).MSG, '3');
});

test('amqp() failover(servers()): the servers follow host(), in order', () => {
  assert.deepEqual(eff('host("a.example") failover(servers("b.example" "c.example")) username("u") password("p")').hosts, ['a.example', 'b.example', 'c.example']);
});

test('amqp() without username()/password() for auth-method(plain) is refused with the fix', () => {
  assert.throws(() => amqpDriver('host("a")'), /username\(\) and password\(\) must be set for auth-method\(plain\); add them/);
  assert.throws(() => amqpDriver('auth-method(external)'), /add cert-file\(\) and key-file\(\)/);
  assert.throws(() => amqpDriver('auth-method(kerberos) username("u") password("p")'), /unknown auth-method\(\) argument/);
});
