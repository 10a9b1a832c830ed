// The graphical console panel's parts that run without a screen: the WebSocket-like channel noVNC
// speaks over (open, bytes both ways in pieces the schema accepts, processed counts, close), the
// base64 pieces the extension posts, and pasted text as keysyms (refusing what cannot be typed).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { base64Pieces } from '../../src/vnc/base64-bytes';
import { MessageChannel, sendPieceBytes } from '../../src/vnc/message-channel';
import { keysymsOf } from '../../src/vnc/typed-keys';

describe('graphical console channel', () => {
  test('opens once, hands bytes to RFB and counts them, sends in schema-sized pieces, closes once', () => {
    const sent: string[] = [];
    const processed: number[] = [];
    const channel = new MessageChannel({ send: (data) => sent.push(data), processed: (bytes) => processed.push(bytes) });
    const events: string[] = [];
    const got: number[][] = [];
    channel.onopen = () => events.push('open');
    channel.onmessage = (event) => got.push([...new Uint8Array(event.data)]);
    channel.onclose = (event) => events.push(`close: ${event.reason}`);
    channel.receive(Buffer.from([1]).toString('base64'));
    assert.deepEqual(got, [], 'nothing before open');
    channel.opened();
    channel.opened();
    channel.receive(Buffer.from([0, 255, 128]).toString('base64'));
    assert.deepEqual(got, [[0, 255, 128]]);
    assert.deepEqual(processed, [3]);

    const big = new Uint8Array(sendPieceBytes * 2 + 10).map((_, index) => index % 251);
    channel.send(big);
    assert.equal(sent.length, 3);
    for (const data of sent) assert.equal(checkPanelMessage('VncToExtension', { type: 'send', data }).ok, true);
    assert.deepEqual(Buffer.concat(sent.map((data) => Buffer.from(data, 'base64'))), Buffer.from(big));
    channel.send(new Uint8Array(big.buffer, 5, 3));
    assert.deepEqual([...Buffer.from(sent.at(-1) ?? '', 'base64')], [5, 6, 7]);

    channel.close('The VM stopped.');
    channel.close('again');
    channel.send(new Uint8Array([1]));
    assert.equal(sent.length, 4, 'nothing sent once closed');
    assert.deepEqual(events, ['open', 'close: The VM stopped.']);
  });

  test('joined base64 output splits into pieces that each decode and fit', () => {
    const parts = [Buffer.from('a'), Buffer.from('bcdef'), Buffer.alloc(700, 9), Buffer.from('xy')];
    const joined = parts.map((part) => part.toString('base64')).join('');
    const pieces = base64Pieces(joined, 302);
    for (const piece of pieces) {
      assert.ok(piece.length <= 300 && piece.length % 4 === 0, `piece of ${piece.length}`);
      assert.equal(Buffer.from(piece, 'base64').toString('base64'), piece);
    }
    assert.deepEqual(Buffer.concat(pieces.map((piece) => Buffer.from(piece, 'base64'))), Buffer.concat(parts));
  });

  test('pasted text becomes keysyms; anything that cannot be typed refuses the whole paste', () => {
    assert.deepEqual(keysymsOf('ls -l\r\n\tA~'), { ok: true, keysyms: [0x6c, 0x73, 0x20, 0x2d, 0x6c, 0xff0d, 0xff09, 0x41, 0x7e] });
    assert.deepEqual(keysymsOf('naïve\u0007'), {
      ok: false,
      problem: 'Nothing was typed: U+00EF, U+0007 cannot be typed as keys (only printable ASCII, newline and tab can).',
    });
    assert.equal(keysymsOf('').ok, false);
    assert.match((keysymsOf('x'.repeat(4097)) as { problem: string }).problem, /4097 characters; at most 4096/);
  });
});

describe('graphical console panel messages', () => {
  test('oversized, wrongly encoded and password-bearing shapes are refused', () => {
    const target = { hostName: 'local', labName: 'lab', vmName: 'box' };
    assert.equal(checkPanelMessage('VncToPanel', { type: 'connect', target, password: 'Abc12345' }).ok, true);
    for (const [definition, value] of [
      ['VncToPanel', { type: 'connect', target, password: 'Abc123456' }],
      ['VncToPanel', { type: 'connect', target, password: '<script>' }],
      ['VncToPanel', { type: 'data', data: 'A'.repeat(262_148) }],
      ['VncToPanel', { type: 'data', data: 'AB=C' }],
      ['VncToPanel', { type: 'paste', text: 'x'.repeat(4097) }],
      ['VncToPanel', { type: 'connect', target: { ...target, vmName: 'a\nb' }, password: 'Abc12345' }],
      ['VncPanelState', { target, password: 'Abc12345' }],
      ['VncToExtension', { type: 'processed', bytes: 1_048_577 }],
    ] as const) {
      assert.equal(checkPanelMessage(definition, value).ok, false, JSON.stringify(value).slice(0, 80));
    }
  });
});
