import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SdElement } from '../../src/message/log-message.ts';
import { formatSdata } from '../../src/message/sdata.ts';

const sd = (...els: SdElement[]) => ({ sd: els });

test('SD names: only non-ASCII bytes and = space [ ] " are %-escaped; control characters stay (log_msg_sdata_append_key_escaped)', () => {
  assert.equal(formatSdata(sd({ id: 'a\tb\x7f', params: [['k\x01', 'v']] })), '[a\tb\x7f k\x01="v"]');
  assert.equal(formatSdata(sd({ id: 'x"y', params: [['é[]', 'v']] })), '[x%22y %C3%A9%5B%5D="v"]');
  // a byte kept as U+DC80..U+DCFF is written as that byte; an astral character as its four bytes
  assert.equal(formatSdata(sd({ id: 'a\udcff', params: [['\u{1f600}', 'v']] })), '[a%FF %F0%9F%98%80="v"]');
});

test('sequenceId: into the first element named meta.*, not a bare [meta]; the message own non-empty one wins', () => {
  assert.equal(formatSdata(sd({ id: 'meta', params: [] }), 3), '[meta][meta sequenceId="3"]');
  assert.equal(formatSdata(sd({ id: 'a', params: [['k', 'v']] }, { id: 'meta', params: [['x', '1']] }), 3), '[a k="v"][meta sequenceId="3" x="1"]');
  assert.equal(formatSdata(sd({ id: 'meta', params: [['sequenceId', '9']] }), 3), '[meta sequenceId="9"]');
  assert.equal(formatSdata(sd({ id: 'meta', params: [['sequenceId', '']] }), 3), '[meta sequenceId="3" sequenceId=""]');
  assert.equal(formatSdata(sd(), 3), '[meta sequenceId="3"]');
  assert.equal(formatSdata(sd(), 0), '');
  assert.equal(formatSdata(sd({ id: '', params: [] }, { id: 'b', params: [['', 'skipped']] })), '[none][b]');
});
