import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage, isCancellation } from '../src/errors';

test('cancellations are recognised, so they stay silent', () => {
  const canceled = new Error('Canceled');
  canceled.name = 'Canceled';
  assert.equal(isCancellation(canceled), true);
  assert.equal(isCancellation(new DOMException('aborted', 'AbortError')), true);
  assert.equal(isCancellation({ code: -32800, message: 'Request cancelled' }), true);
  assert.equal(isCancellation(new Error('Connection refused')), false);
  assert.equal(isCancellation(undefined), false);
});

test('a notification shows the first line of the message', () => {
  assert.equal(errorMessage(new Error('No socket at /run/vlm.sock\n    at connect (net.js:1)')), 'No socket at /run/vlm.sock');
  assert.equal(errorMessage('plain words'), 'plain words');
  assert.match(errorMessage(42), /details are in the log/);
});
