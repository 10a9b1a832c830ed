// The lab's idle shutdown fields in the editor: completion and hover from the schema, and clear
// diagnostics for values the host would refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Position } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService, diagnosticCodes } from '../src/index';
import { labDocument, rangeOf, validLab, withCode } from './lab-text';

const service = createLabLanguageService();

function withFields(lines: string): TextDocument {
  return labDocument(validLab.replace('networks:\n', `${lines}\nnetworks:\n`));
}

function endOf(document: TextDocument, needle: string): Position {
  return rangeOf(document, needle).end;
}

test('completion at the lab level offers idle_shutdown_minutes and idle_cpu_percent', async () => {
  const document = withFields('idle');
  const labels = (await service.complete(document, endOf(document, '\nidle'))).items.map((item) => item.label);
  assert.ok(labels.includes('idle_shutdown_minutes'), labels.join(', '));
  assert.ok(labels.includes('idle_cpu_percent'), labels.join(', '));
});

test('hover on idle_shutdown_minutes explains what idle means and what the host does', async () => {
  const document = withFields('idle_shutdown_minutes: 30');
  const hover = await service.hover(document, rangeOf(document, 'idle_shutdown_minutes').start);
  const value = (hover?.contents as { value: string } | undefined)?.value ?? '';
  assert.match(value, /whole minutes, 1 to 10080/);
  assert.match(value, /no console \(serial or SSH\) is open/);
});

test('valid idle settings give no diagnostics', async () => {
  assert.deepEqual(await service.validate(withFields('idle_shutdown_minutes: 1\nidle_cpu_percent: 2.5')), []);
});

test('out-of-range and fractional minutes name the allowed range', async () => {
  for (const [value, pattern] of [
    ['0', /idle_shutdown_minutes is 0; it must be from 1 to 10080/],
    ['10081', /idle_shutdown_minutes is 10081; it must be from 1 to 10080/],
    ['1.5', /idle_shutdown_minutes must be a whole number/],
    ['"30"', /idle_shutdown_minutes must be a whole number/],
  ] as const) {
    const messages = (await service.validate(withFields(`idle_shutdown_minutes: ${value}`))).map((diagnostic) => diagnostic.message);
    assert.ok(
      messages.some((message) => pattern.test(message)),
      `${value}: ${messages.join(' | ')}`,
    );
  }
});

test('a threshold of 0 or over 100 is refused', async () => {
  for (const value of ['0', '100.5', '-3']) {
    const diagnostics = await service.validate(withFields(`idle_shutdown_minutes: 5\nidle_cpu_percent: ${value}`));
    const found = withCode(diagnostics, diagnosticCodes.outOfRange);
    assert.equal(found.length, 1, `${value}: ${diagnostics.map((diagnostic) => diagnostic.message).join(' | ')}`);
    assert.match(found[0]?.message ?? '', /idle_cpu_percent/);
  }
});

test('idle_cpu_percent without idle_shutdown_minutes is refused on the field, saying why', async () => {
  const document = withFields('idle_cpu_percent: 5');
  const diagnostics = await service.validate(document);
  assert.equal(diagnostics.length, 1, diagnostics.map((diagnostic) => diagnostic.message).join(' | '));
  const [diagnostic] = diagnostics;
  assert.equal(
    diagnostic?.message,
    'The lab has idle_cpu_percent but no idle_shutdown_minutes; idle_cpu_percent applies only with idle_shutdown_minutes.',
  );
  assert.equal(diagnostic?.range.start.line, rangeOf(document, 'idle_cpu_percent').start.line);
});
