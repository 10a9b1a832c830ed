// The SOAP envelope writer escapes every value, and the XML reader refuses what vSphere never
// sends (DOCTYPEs, unknown entities, broken nesting) instead of guessing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { childOf, element, escapeXml, parseXml, renderXml, soapEnvelope, xsiType } from '../../src/vsphere/soap-xml.js';

describe('SOAP XML', () => {
  test('values are escaped, and text that XML cannot carry is refused', () => {
    assert.equal(escapeXml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    assert.equal(
      renderXml(element('userName', '</userName><password>x', { type: '"/><y' })),
      '<userName type="&quot;/&gt;&lt;y">&lt;/userName&gt;&lt;password&gt;x</userName>',
    );
    assert.throws(() => escapeXml('a\u0001b'), /control character/);
    assert.throws(() => renderXml(element('bad name', 'x')), /Not an XML element name/);
  });

  test('a written envelope reads back to the same values', () => {
    const value = `p<>&"' ünïcode`;
    const envelope = parseXml(soapEnvelope('Login', [element('password', value)]));
    const login = childOf(childOf(envelope, 'Body'), 'Login');
    assert.equal(childOf(login, 'password')?.text, value);
  });

  test('entities, CDATA, comments and xsi:type are read', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- c --><r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><v xsi:type="xsd:int">&#65;&#x42;&lt;<![CDATA[<raw>]]></v><e/></r>',
    );
    assert.equal(childOf(root, 'v')?.text, 'AB<<raw>');
    assert.equal(xsiType(childOf(root, 'v')), 'int');
    assert.equal(childOf(root, 'e')?.text, '');
  });

  test('what vSphere never sends is malformed', () => {
    const bad = [
      '<!DOCTYPE r [<!ENTITY x "boom">]><r>&x;</r>',
      '<r>&x;</r>',
      '<r>a & b</r>',
      '<r><a></r></a>',
      '<r><a></r>',
      '<r>',
      '<r></r><s></s>',
      'text<r></r>',
      '<r a="1" b></r>',
      '<r>&#x110000;</r>',
      '<r>&#27;[31m</r>',
      '',
    ];
    for (const xml of bad) {
      assert.throws(
        () => parseXml(xml),
        (error: Error & { kind?: string }) => error.kind === 'malformed',
        xml,
      );
    }
  });
});
