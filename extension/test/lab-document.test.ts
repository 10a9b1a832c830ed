import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLabHeader } from '../src/lab-document';

test('finds the top-level name line below comments, and the default host', () => {
  const header = readLabHeader('# A lab\n\nname: web-lab\nvms:\n  - name: db\n');
  assert.deepEqual(header, { name: 'web-lab', nameLine: 2, host: 'local' });
});

test('ignores nested name keys and reads the host field', () => {
  const text = 'vms:\n  - name: db\nhost: lab-server\nname: "quoted-lab"  # the lab\n';
  assert.deepEqual(readLabHeader(text), { name: 'quoted-lab', nameLine: 3, host: 'lab-server' });
});

test('a name line without a value still places the lens, with no name', () => {
  assert.deepEqual(readLabHeader('name:\nvms: []\n'), { name: undefined, nameLine: 0, host: 'local' });
  assert.deepEqual(readLabHeader('name: # to do\n'), { name: undefined, nameLine: 0, host: 'local' });
});

test('a file without a top-level name is not a lab', () => {
  assert.equal(readLabHeader('vms:\n  - name: a\n'), undefined);
  assert.equal(readLabHeader(''), undefined);
});

test('Windows line endings', () => {
  assert.deepEqual(readLabHeader('# x\r\nname: lab\r\n'), { name: 'lab', nameLine: 1, host: 'local' });
});
