import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogMessage, MsgFlag } from '../../src/message/log-message.ts';
import { bsdtagLetter } from '../../src/message/macros.ts';
import { encodeWithRawBytes } from '../../src/message/raw-bytes.ts';
import { compileTemplate, defaultTemplateOptions } from '../../src/message/template.ts';

test('${BSDTAG}: facility letter is one byte; past 0x7f it is an escaped raw byte written back as that byte', () => {
  assert.equal(bsdtagLetter(13), 'B');
  assert.equal(bsdtagLetter(191), 'X');
  assert.equal(bsdtagLetter(999), '\udcbd');
  const m = new LogMessage({ sec: 0, usec: 0, gmtoff: 0 });
  m.pri = 999;
  m.flags |= MsgFlag.RAW_BYTES;
  const out = compileTemplate('$BSDTAG', false).format(m, defaultTemplateOptions);
  assert.deepEqual([...encodeWithRawBytes(out)], [0x37, 0xbd]);
});
