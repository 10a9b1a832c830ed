// Panel messages of the wrong shape are dropped with a sentence naming the field; hostile
// shapes (prototype keys, floats for money, huge strings, unknown types) never pass.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPanelMessage } from '../src/panel-messages';

const fields = { date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: 'VPS' };

describe('panel messages', () => {
  test('well-formed messages pass both ways', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'add', fields },
      { type: 'add', fields: { ...fields, link: { kind: 'lab', id: 'web' }, recurrence: 'monthly' } },
      { type: 'edit', id: 'e-1', fields },
      { type: 'delete', id: 'e-1' },
      { type: 'undo' },
      { type: 'importCsv' },
      { type: 'exportCsv' },
    ]) {
      assert.deepEqual(checkPanelMessage('ExpensesToExtension', message), { ok: true, message });
    }
    const entries = { type: 'entries', entries: [{ id: 'e-1', ...fields }], canUndo: false };
    assert.equal(checkPanelMessage('ExpensesToPanel', entries).ok, true);
  });

  test('hostile messages are dropped with the field and what is allowed', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /without a type: the message must be object/],
      ['add', /must be object/],
      [[{ type: 'ready' }], /must be object/],
      [{}, /must have required property 'type'/],
      [{ type: 'drop-table' }, /\/type must be one of ready, add, edit, delete, undo, importCsv, exportCsv/],
      [{ type: 'add', fields: { ...fields, amountMinor: 12.5 } }, /\/fields\/amountMinor must be integer/],
      [{ type: 'add', fields: { ...fields, amountMinor: '1250' } }, /\/fields\/amountMinor must be integer/],
      [{ type: 'add', fields: { ...fields, amountMinor: 2 ** 60 } }, /\/fields\/amountMinor must be <= 9007199254740991/],
      [{ type: 'add', fields: { ...fields, currency: 'eur' } }, /\/fields\/currency must match pattern/],
      [{ type: 'add', fields: { ...fields, date: '1 March' } }, /\/fields\/date must match pattern/],
      [{ type: 'add', fields: { ...fields, note: 'x'.repeat(1001) } }, /\/fields\/note must NOT have more than 1000 characters/],
      [{ type: 'add', fields: { ...fields, category: 'a\u0000b' } }, /\/fields\/category must match pattern/],
      [
        { type: 'add', fields: { ...fields, link: { kind: 'host', id: 'x' } } },
        /\/fields\/link\/kind must be equal to one of the allowed values \(provider, lab, vm\)/,
      ],
      [
        { type: 'add', fields: { ...fields, recurrence: 'weekly' } },
        /\/fields\/recurrence must be equal to one of the allowed values \(monthly\)/,
      ],
      [{ type: 'add', fields: { ...fields, admin: true } }, /\/fields must NOT have additional properties \("admin"\)/],
      [JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'), /must NOT have additional properties \("__proto__"\)/],
      [{ type: 'delete', id: '../../etc/passwd' }, /\/id must match pattern/],
      [{ type: 'edit', id: 'e-1' }, /must have required property 'fields'/],
    ];
    for (const [message, expected] of cases) {
      const check = checkPanelMessage('ExpensesToExtension', message);
      assert.equal(check.ok, false, JSON.stringify(message));
      if (!check.ok) assert.match(check.problem, expected);
    }
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('a message meant for the other side is dropped', () => {
    const check = checkPanelMessage('ExpensesToPanel', { type: 'add', fields });
    assert.equal(check.ok, false);
    if (!check.ok) assert.match(check.problem, /\/type must be one of entries, error/);
  });

  test('a hostile type is echoed short and without control characters', () => {
    const check = checkPanelMessage('ExpensesToExtension', { type: `\u001b[31m${'x'.repeat(500)}` });
    assert.equal(check.ok, false);
    if (!check.ok) {
      assert.ok(!check.problem.includes('\u001b'));
      // The allowed types are listed in full; the received one is cut to 40 characters.
      assert.ok(!check.problem.includes('x'.repeat(41)), check.problem);
    }
  });
});
