// The lab language service as a library: every semantic check with its code and range, the
// quick fixes, completion, hover and symbols.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { builtInImageCatalog } from '@vlm/schemas';
import { createLabLanguageService, diagnosticCodes } from '../src/index';
import { applyEdits, elementAt, labDocument, rangeOf, validLab, withCode } from './lab-text';

const service = createLabLanguageService();

async function codesOf(text: string): Promise<Diagnostic[]> {
  return service.validate(labDocument(text));
}

function vm(name: string, extra: string[] = []): string {
  return [
    `  - name: ${name}`,
    '    vcpu: 1',
    '    ram_mb: 512',
    '    disk_gb: 5',
    '    os_image: debian-12',
    ...extra.map((line) => `    ${line}`),
  ].join('\n');
}

function lab(vms: string[], networks = '  - name: lan\n    cidr: 10.10.1.0/24'): string {
  return `name: test-lab\n${networks ? `networks:\n${networks}\n` : ''}vms:\n${vms.join('\n')}\n`;
}

function editsOf(action: CodeAction, document: TextDocument): TextEdit[] {
  return action.edit?.changes?.[document.uri] ?? [];
}

describe('semantic checks: names, references and cycles', () => {
  test('a valid lab has no diagnostics', async () => {
    assert.deepEqual(await codesOf(validLab), []);
  });

  test('duplicate VM names are flagged on the second and later occurrences, naming the first line', async () => {
    const document = labDocument(lab([vm('web'), vm('web'), vm('db'), vm('web')]));
    const found = withCode(await service.validate(document), diagnosticCodes.duplicateName);
    assert.equal(found.length, 2);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, 'web', 2));
    assert.deepEqual(elementAt(found, 1).range, rangeOf(document, 'web', 3));
    const firstLine = rangeOf(document, 'web', 1).start.line + 1;
    assert.match(elementAt(found, 0).message, new RegExp(`VM name 'web' is already used .* line ${firstLine}\\b`));
    assert.equal(elementAt(found, 0).source, 'vlm');
    assert.equal(elementAt(found, 0).severity, DiagnosticSeverity.Error);
  });

  test('a VM repeated through an alias is flagged on the alias', async () => {
    const document = labDocument(
      `name: test-lab\nvms:\n  - &base\n    name: web\n    vcpu: 1\n    ram_mb: 512\n    disk_gb: 5\n    os_image: debian-12\n  - *base\n`,
    );
    const found = withCode(await service.validate(document), diagnosticCodes.duplicateName);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, '*base'));
  });

  test('duplicate network names are flagged', async () => {
    const document = labDocument(lab([vm('a')], '  - name: lan\n    cidr: 10.0.1.0/24\n  - name: lan\n    cidr: 10.0.2.0/24'));
    const found = withCode(await service.validate(document), diagnosticCodes.duplicateName);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, 'lan', 2));
    assert.match(elementAt(found, 0).message, /Network name 'lan' is already used .* line 3\b/);
  });

  test('undefined networks in both the name and {name} forms', async () => {
    const document = labDocument(lab([vm('a', ['networks: [lan, wan]']), vm('b', ['networks:', '  - name: dmz', '    ip: 10.0.0.5'])]));
    const found = withCode(await service.validate(document), diagnosticCodes.undefinedNetwork);
    assert.equal(found.length, 2);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, 'wan'));
    assert.deepEqual(elementAt(found, 1).range, rangeOf(document, 'dmz'));
    assert.match(elementAt(found, 0).message, /Network 'wan' is not declared.*Declared networks: lan\./);
  });

  test('depends_on naming an undefined VM', async () => {
    const document = labDocument(lab([vm('web', ['depends_on: [dbb]']), vm('db')]));
    const found = withCode(await service.validate(document), diagnosticCodes.undefinedVm);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, 'dbb'));
    assert.match(elementAt(found, 0).message, /'dbb', which is not a VM of this lab\. Did you mean 'db'\?/);
    const far = withCode(await codesOf(lab([vm('web', ['depends_on: [storage-array]']), vm('db')])), diagnosticCodes.undefinedVm);
    assert.doesNotMatch(elementAt(far, 0).message, /Did you mean/, 'no suggestion when nothing is close');
  });

  test('depends_on cycles list the cycle', async () => {
    const document = labDocument(
      lab([vm('a', ['depends_on: [b]']), vm('b', ['depends_on: [c]']), vm('c', ['depends_on: [a]']), vm('d', ['depends_on: [a]'])]),
    );
    const found = withCode(await service.validate(document), diagnosticCodes.dependencyCycle);
    assert.equal(found.length, 3, 'one per edge of the cycle; d only depends on it');
    for (const diagnostic of found) assert.match(diagnostic.message, /a → b → c → a/);
    const entry = rangeOf(document, 'depends_on: [b]').start;
    const column = entry.character + 'depends_on: ['.length;
    assert.deepEqual(elementAt(found, 0).range, {
      start: { line: entry.line, character: column },
      end: { line: entry.line, character: column + 1 },
    });
  });

  test('a VM depending on itself is a cycle', async () => {
    const found = withCode(await codesOf(lab([vm('solo', ['depends_on: [solo]'])])), diagnosticCodes.dependencyCycle);
    assert.equal(found.length, 1);
    assert.match(elementAt(found, 0).message, /solo → solo/);
  });
});

describe('semantic checks: ports and images', () => {
  test('port collisions name the VM that has the port', async () => {
    const document = labDocument(lab([vm('a', ['ssh_port: 22005', 'vnc_port: 5905']), vm('b', ['ssh_port: 22005', 'vnc_port: 5905'])]));
    const found = withCode(await service.validate(document), diagnosticCodes.portCollision);
    assert.equal(found.length, 2);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, '22005', 2));
    assert.deepEqual(elementAt(found, 1).range, rangeOf(document, '5905', 2));
    assert.match(elementAt(found, 0).message, /Port 22005 is already the ssh_port of VM 'a'/);
  });

  test('ports outside their range say the allowed range', async () => {
    const document = labDocument(lab([vm('a', ['ssh_port: 2222', 'vnc_port: 6000'])]));
    const found = withCode(await service.validate(document), diagnosticCodes.portOutOfRange);
    assert.equal(found.length, 2);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, '2222'));
    assert.match(elementAt(found, 0).message, /ssh_port 2222 is outside the allowed range 22000 to 22999/);
    assert.match(elementAt(found, 1).message, /vnc_port 6000 is outside the allowed range 5900 to 5999/);
    const all = await service.validate(document);
    assert.equal(all.length, 2, `the schema's own minimum/maximum is not reported twice: ${JSON.stringify(all)}`);
  });

  test('unknown images list the catalog and the closest match', async () => {
    const document = labDocument(lab([vm('a').replace('debian-12', 'debain-12')]));
    const found = withCode(await service.validate(document), diagnosticCodes.unknownImage);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, 'debain-12'));
    assert.match(elementAt(found, 0).message, /Catalog images: debian-12, ubuntu-24\.04, vlm-tiny\. Closest: 'debian-12'\./);
  });

  test('setCatalog changes which images are known', async () => {
    const custom = createLabLanguageService();
    const text = lab([vm('a').replace('debian-12', 'my-image')]);
    assert.equal(withCode(await custom.validate(labDocument(text)), diagnosticCodes.unknownImage).length, 1);
    custom.setCatalog({ images: [...builtInImageCatalog.images, { ...elementAt(builtInImageCatalog.images, 0), name: 'my-image' }] });
    assert.equal(withCode(await custom.validate(labDocument(text)), diagnosticCodes.unknownImage).length, 0);
  });
});

describe('semantic checks: networks and addresses', () => {
  test('CIDR syntax: octets over 255, prefixes outside 8..30, host bits set', async () => {
    const networks = ['300.0.0.0/24', '10.1.0.0/31', '10.2.0.0/4', '10.3.0.1/24']
      .map((cidr, index) => `  - name: n${index}\n    cidr: ${cidr}`)
      .join('\n');
    const document = labDocument(lab([vm('a')], networks));
    const found = withCode(await service.validate(document), diagnosticCodes.invalidCidr);
    assert.equal(found.length, 4);
    assert.deepEqual(
      found.map((diagnostic) => document.getText(diagnostic.range)),
      ['300.0.0.0/24', '10.1.0.0/31', '10.2.0.0/4', '10.3.0.1/24'],
    );
    assert.match(elementAt(found, 0).message, /octet 300 .* over 255/);
    assert.match(elementAt(found, 1).message, /\/31 is outside the allowed 8 to 30/);
    assert.match(elementAt(found, 2).message, /\/4 is outside the allowed 8 to 30/);
    assert.match(elementAt(found, 3).message, /host bits set; the network address is 10\.3\.0\.0\/24/);
  });

  test('overlapping networks are flagged on the later one', async () => {
    const document = labDocument(
      lab(
        [vm('a')],
        '  - name: big\n    cidr: 10.0.0.0/16\n  - name: small\n    cidr: 10.0.5.0/24\n  - name: apart\n    cidr: 10.1.0.0/24',
      ),
    );
    const found = withCode(await service.validate(document), diagnosticCodes.overlappingCidr);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, '10.0.5.0/24'));
    assert.match(elementAt(found, 0).message, /'small' \(10\.0\.5\.0\/24\) overlaps network 'big' \(10\.0\.0\.0\/16\) on line 4/);
  });

  test('a static address outside its network', async () => {
    const document = labDocument(
      lab([vm('a', ['networks:', '  - name: lan', '    ip: 10.10.2.7', '  - name: lan', '    ip: 10.10.1.255'])]),
    );
    const found = withCode(await service.validate(document), diagnosticCodes.addressOutsideNetwork);
    assert.equal(found.length, 2);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, '10.10.2.7'));
    assert.match(elementAt(found, 0).message, /10\.10\.2\.7 is outside network 'lan' \(10\.10\.1\.0\/24\)/);
    assert.match(elementAt(found, 1).message, /broadcast address/);
  });

  test("a static address on the host's own address of its network", async () => {
    const document = labDocument(lab([vm('a', ['networks:', '  - name: lan', '    ip: 10.10.1.1'])]));
    const found = withCode(await service.validate(document), diagnosticCodes.addressOutsideNetwork);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, '10.10.1.1'));
    assert.match(elementAt(found, 0).message, /10\.10\.1\.1 is the host's own address on network 'lan' \(10\.10\.1\.0\/24\)/);
  });

  test('loopback, link-local, multicast and other never-valid ranges are refused as lab networks', async () => {
    const cidrs = ['127.0.0.0/8', '127.5.0.0/16', '169.254.10.0/24', '224.0.0.0/8', '240.0.0.0/8', '0.0.0.0/8', '10.0.0.0/8'];
    const networks = cidrs.map((cidr, index) => `  - name: n${index}\n    cidr: ${cidr}`).join('\n');
    const document = labDocument(lab([vm('a')], networks));
    const found = withCode(await service.validate(document), diagnosticCodes.reservedCidr);
    assert.deepEqual(
      found.map((diagnostic) => document.getText(diagnostic.range)),
      cidrs.slice(0, 6),
    );
    assert.equal(elementAt(found, 0).code, 'vlm-reserved-cidr');
    assert.match(elementAt(found, 0).message, /127\.0\.0\.0\/8 overlaps loopback \(127\.0\.0\.0\/8\), which no lab network can use/);
    assert.match(elementAt(found, 2).message, /link-local/);
    assert.match(elementAt(found, 3).message, /multicast/);
  });
});

describe('semantic checks: capacity, schema and syntax', () => {
  test('host capacity is checked only once facts are given', async () => {
    const capacity = createLabLanguageService();
    const text = lab([vm('a').replace('vcpu: 1', 'vcpu: 8').replace('ram_mb: 512', 'ram_mb: 8192'), vm('b').replace('vcpu: 1', 'vcpu: 8')]);
    assert.equal(withCode(await capacity.validate(labDocument(text)), diagnosticCodes.overCapacity).length, 0);
    capacity.setHostFacts({ name: 'local', cpus: 4, memory_mb: 4096 });
    const document = labDocument(text);
    const found = withCode(await capacity.validate(document), diagnosticCodes.overCapacity);
    assert.equal(found.length, 2);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, 'vms'));
    assert.match(elementAt(found, 0).message, /8704 MiB of RAM in total, more than the 4096 MiB host 'local' has/);
    assert.match(elementAt(found, 1).message, /16 vCPUs in total, more than the 4 CPUs/);
    capacity.setHostFacts({ name: 'other-host', cpus: 4, memory_mb: 4096 });
    assert.equal(
      withCode(await capacity.validate(labDocument(`host: local\n${text}`)), diagnosticCodes.overCapacity).length,
      0,
      'facts of another host do not apply',
    );
    capacity.setHostFacts(undefined);
    assert.equal(withCode(await capacity.validate(labDocument(text)), diagnosticCodes.overCapacity).length, 0);
  });

  test('schema problems are errors with a vlm code, the field and the allowed range, and keep a precise range', async () => {
    const document = labDocument(lab([vm('a').replace('vcpu: 1', 'vcpu: 0')]));
    const diagnostics = await service.validate(document);
    const schema = withCode(diagnostics, diagnosticCodes.outOfRange)[0];
    assert.ok(schema, 'the schema minimum is reported');
    assert.equal(schema.message, 'vms[0].vcpu is 0; it must be from 1 to 256.');
    assert.equal(schema.source, 'vlm');
    assert.equal(schema.severity, DiagnosticSeverity.Error);
    const valueStart = rangeOf(document, 'vcpu: 0').start;
    assert.deepEqual(schema.range, {
      start: { line: valueStart.line, character: valueStart.character + 6 },
      end: { line: valueStart.line, character: valueStart.character + 7 },
    });
  });

  test('an empty or null key is reported, since the schema check stops at it', async () => {
    for (const key of [':', '~:', 'null:']) {
      const document = labDocument(`name: x\n${key} 5\nvms: []\n`);
      const found = withCode(await service.validate(document), diagnosticCodes.yamlSyntax);
      assert.equal(found.length, 1, key);
      assert.equal(elementAt(found, 0).range.start.line, 1);
      assert.match(elementAt(found, 0).message, /empty or null key/);
    }
  });

  test('a modeline or a $schema key cannot switch the lab schema off', async () => {
    const modeline = await codesOf('# yaml-language-server: $schema=http://example.invalid/other.json\nname: x\nvms: []\nbogus: 1\n');
    assert.deepEqual(
      modeline.map((diagnostic) => diagnostic.message),
      [
        "Unknown field 'bogus' in the lab; allowed fields: 'name', 'description', 'host', 'tags', 'idle_shutdown_minutes', 'idle_cpu_percent', 'networks', 'vms'.",
        'vms is empty; it needs at least 1 item.',
      ],
    );
    const dollarSchema = await codesOf('$schema: http://example.invalid/other.json\nname: x\nvms: []\n');
    assert.ok(
      dollarSchema.some(
        (diagnostic) =>
          diagnostic.code === diagnosticCodes.unknownField && diagnostic.message.startsWith("Unknown field '$schema' in the lab;"),
      ),
      JSON.stringify(dollarSchema),
    );
    assert.ok(!dollarSchema.some((diagnostic) => /Unable to load schema/.test(diagnostic.message)), 'no other schema is requested');
  });

  test('YAML syntax errors carry the syntax code', async () => {
    const found = withCode(await codesOf('name: x\nvms: [\n'), diagnosticCodes.yamlSyntax);
    assert.ok(found.length >= 1);
    assert.equal(elementAt(found, 0).source, 'vlm');
  });

  test('an unused anchor is still reported, before and after a lab without anchors', async () => {
    const anchored = lab([vm('web', ['tags: &roles [web]']), vm('db')]);
    for (const text of [anchored, validLab, anchored]) {
      const document = labDocument(text);
      const unused = withCode(await service.validate(document), diagnosticCodes.yamlSyntax).filter((diagnostic) =>
        diagnostic.message.includes('Unused anchor'),
      );
      assert.equal(unused.length, text === anchored ? 1 : 0, text);
      if (text === anchored) assert.deepEqual(elementAt(unused, 0).range, rangeOf(document, '&roles'));
    }
  });

  test('the same URI and version with new text is validated afresh', async () => {
    const first = labDocument(validLab, 'file:///test/reused.lab.yaml');
    assert.equal((await service.validate(first)).length, 0);
    const second = labDocument(validLab.replace('os_image: debian-12', 'os_image: nope'), 'file:///test/reused.lab.yaml');
    assert.equal(withCode(await service.validate(second), diagnosticCodes.unknownImage).length, 1);
  });
});

async function fixesFor(document: TextDocument, code: string): Promise<{ diagnostic: Diagnostic; actions: CodeAction[] }> {
  const diagnostic = withCode(await service.validate(document), code)[0];
  assert.ok(diagnostic, `expected a ${code} diagnostic`);
  return { diagnostic, actions: service.codeActions(document, diagnostic.range, [diagnostic]) };
}

async function assertFixed(document: TextDocument, action: CodeAction, code: string): Promise<TextDocument> {
  assert.equal(action.kind, 'quickfix');
  const fixed = applyEdits(document, editsOf(action, document));
  assert.deepEqual(withCode(await service.validate(fixed), code), [], `after '${action.title}':\n${fixed.getText()}`);
  return fixed;
}

describe('quick fixes: ports, ranges and names', () => {
  test('a port collision gets the next free port in range', async () => {
    const document = labDocument(lab([vm('a', ['ssh_port: 22000']), vm('b', ['ssh_port: 22001']), vm('c', ['ssh_port: 22000'])]));
    const { diagnostic, actions } = await fixesFor(document, diagnosticCodes.portCollision);
    assert.equal(actions.length, 1);
    assert.equal(elementAt(actions, 0).title, 'Use free ssh_port 22002');
    assert.deepEqual(elementAt(actions, 0).diagnostics, [diagnostic]);
    await assertFixed(document, elementAt(actions, 0), diagnosticCodes.portCollision);
  });

  test('a loopback or overlapping network gets a free private range', async () => {
    for (const [networks, code, free] of [
      ['  - name: lan\n    cidr: 10.0.1.0/24\n  - name: lo\n    cidr: 127.0.0.0/8', diagnosticCodes.reservedCidr, '10.0.2.0/24'],
      ['  - name: lan\n    cidr: 10.0.1.0/24\n  - name: wide\n    cidr: 10.0.0.0/16', diagnosticCodes.overlappingCidr, '10.1.0.0/24'],
    ] as const) {
      const document = labDocument(lab([vm('a')], networks));
      const { actions } = await fixesFor(document, code);
      assert.equal(elementAt(actions, 0).title, `Use ${free}, a private range no other network of the lab uses`);
      await assertFixed(document, elementAt(actions, 0), code);
    }
  });

  test('a port out of range gets a free port in range', async () => {
    const document = labDocument(lab([vm('a', ['vnc_port: 80'])]));
    const { actions } = await fixesFor(document, diagnosticCodes.portOutOfRange);
    assert.equal(elementAt(actions, 0).title, 'Use free vnc_port 5900');
    await assertFixed(document, elementAt(actions, 0), diagnosticCodes.portOutOfRange);
  });

  test('a duplicate name is renamed to the next free name-N', async () => {
    const document = labDocument(lab([vm('web'), vm('web-2'), vm('web')]));
    const { actions } = await fixesFor(document, diagnosticCodes.duplicateName);
    assert.equal(elementAt(actions, 0).title, "Rename to 'web-3'");
    const fixed = await assertFixed(document, elementAt(actions, 0), diagnosticCodes.duplicateName);
    assert.match(fixed.getText(), /name: web-3/);
  });
});

describe('quick fixes: missing networks and images', () => {
  test('a missing network is declared with a free /24 in the existing list', async () => {
    const document = labDocument(lab([vm('a', ['networks: [lan, wan]'])], '  - name: lan\n    cidr: 10.0.1.0/24'));
    const { actions } = await fixesFor(document, diagnosticCodes.undefinedNetwork);
    assert.equal(actions.length, 1);
    assert.equal(elementAt(actions, 0).title, "Declare network 'wan' (10.0.2.0/24)");
    const fixed = await assertFixed(document, elementAt(actions, 0), diagnosticCodes.undefinedNetwork);
    assert.match(
      fixed.getText(),
      /networks:\n {2}- name: lan\n {4}cidr: 10\.0\.1\.0\/24\n {2}- name: wan\n {4}cidr: 10\.0\.2\.0\/24\nvms:/,
    );
    assert.deepEqual(await service.validate(fixed), []);
  });

  test('a missing network creates the networks key when the lab has none', async () => {
    const document = labDocument(lab([vm('a', ['networks: [lan]'])], ''));
    const { actions } = await fixesFor(document, diagnosticCodes.undefinedNetwork);
    const fixed = await assertFixed(document, elementAt(actions, 0), diagnosticCodes.undefinedNetwork);
    assert.match(fixed.getText(), /^name: test-lab\nnetworks:\n {2}- name: lan\n {4}cidr: 10\.0\.1\.0\/24\nvms:/);
    assert.deepEqual(await service.validate(fixed), []);
  });

  test('declaring a network keeps CRLF line endings', async () => {
    const document = labDocument(lab([vm('a', ['networks: [lan, wan]'])]).replace(/\n/g, '\r\n'));
    const { actions } = await fixesFor(document, diagnosticCodes.undefinedNetwork);
    const fixed = await assertFixed(document, elementAt(actions, 0), diagnosticCodes.undefinedNetwork);
    assert.doesNotMatch(fixed.getText(), /[^\r]\n/);
    assert.deepEqual(await service.validate(fixed), []);
  });

  test('a missing network is added to an empty flow list, or under an empty networks key', async () => {
    for (const networks of ['networks: []\n', 'networks:\n']) {
      const document = labDocument(`name: test-lab\n${networks}vms:\n${vm('a', ['networks: [lan]'])}\n`);
      const { actions } = await fixesFor(document, diagnosticCodes.undefinedNetwork);
      const fixed = await assertFixed(document, elementAt(actions, 0), diagnosticCodes.undefinedNetwork);
      assert.deepEqual(await service.validate(fixed), [], fixed.getText());
    }
  });

  test('an unknown image gets one action per catalog image, closest first and preferred', async () => {
    const document = labDocument(lab([vm('a').replace('debian-12', 'ubunty-24.04')]));
    const { actions } = await fixesFor(document, diagnosticCodes.unknownImage);
    assert.deepEqual(
      actions.map((action) => action.title),
      ["Use image 'ubuntu-24.04'", "Use image 'debian-12'", "Use image 'vlm-tiny'"],
    );
    assert.equal(elementAt(actions, 0).isPreferred, true);
    assert.equal(actions.filter((action) => action.isPreferred).length, 1);
    for (const action of actions) await assertFixed(document, action, diagnosticCodes.unknownImage);
  });

  test('no actions for a range without lab diagnostics', async () => {
    const document = labDocument(validLab);
    assert.deepEqual(service.codeActions(document, rangeOf(document, 'vms'), []), []);
  });
});

describe('completion, hover and symbols', () => {
  function positionAfter(document: TextDocument, needle: string): { line: number; character: number } {
    return rangeOf(document, needle).end;
  }

  test('network names in a VM flow list', async () => {
    const text = validLab.replace('networks: [lan, dmz]', 'networks: [lan, ');
    const document = labDocument(text);
    const list = await service.complete(document, positionAfter(document, 'networks: [lan, '));
    const labels = list.items.map((item) => item.label);
    assert.ok(labels.includes('lan') && labels.includes('dmz'), labels.join(', '));
  });

  test('network names in a VM block list and in the {name} form', async () => {
    const document = labDocument(validLab.replace('      - name: lan\n        ip: 10.10.1.10', '      - d'));
    const labels = (await service.complete(document, positionAfter(document, '      - d'))).items.map((item) => item.label);
    assert.ok(labels.includes('dmz'), labels.join(', '));
    const named = labDocument(validLab.replace('      - name: lan\n', '      - name: \n'));
    const namedLabels = (await service.complete(named, positionAfter(named, '      - name: '))).items.map((item) => item.label);
    assert.ok(namedLabels.includes('lan') && namedLabels.includes('dmz'), namedLabels.join(', '));
  });

  test('VM names in depends_on, without the VM itself', async () => {
    const text = validLab.replace('depends_on: [db]', 'depends_on: [');
    const document = labDocument(text);
    const labels = (await service.complete(document, positionAfter(document, 'depends_on: ['))).items.map((item) => item.label);
    assert.ok(labels.includes('db'), labels.join(', '));
    assert.ok(!labels.includes('web'), 'a VM cannot depend on itself');
  });

  test('VM names in a depends_on block list', async () => {
    const document = labDocument(validLab.replace('    depends_on: [db]\n', '    depends_on:\n      - \n'));
    const labels = (await service.complete(document, positionAfter(document, 'depends_on:\n      - '))).items.map((item) => item.label);
    assert.deepEqual(labels, ['db']);
  });

  test('catalog images in os_image, replacing the partial word', async () => {
    const document = labDocument(validLab.replace('os_image: ubuntu-24.04', 'os_image: ub'));
    const position = positionAfter(document, 'os_image: ub');
    const list = await service.complete(document, position);
    const ubuntu = list.items.find((item) => item.label === 'ubuntu-24.04');
    assert.ok(ubuntu, list.items.map((item) => item.label).join(', '));
    assert.deepEqual(ubuntu.textEdit, {
      range: { start: { line: position.line, character: position.character - 2 }, end: position },
      newText: 'ubuntu-24.04',
    });
    for (const image of builtInImageCatalog.images) assert.ok(list.items.some((item) => item.label === image.name));
  });

  test('schema completion is merged in: VM properties', async () => {
    const document = labDocument(validLab.replace('    vnc_port: 5901\n', '    vnc_port: 5901\n    auto'));
    const labels = (await service.complete(document, positionAfter(document, '    auto'))).items.map((item) => item.label);
    assert.ok(labels.includes('autostart'), labels.join(', '));
  });

  test('hover shows the schema markdownDescription', async () => {
    const document = labDocument(validLab);
    const hover = await service.hover(document, rangeOf(document, 'vcpu').start);
    assert.ok(hover);
    const contents = hover.contents as { kind: string; value: string };
    assert.equal(contents.kind, 'markdown');
    assert.match(contents.value, /Number of virtual CPUs, 1 to 256\. The lab's total should fit the host's cores\./);
  });

  test('document symbols outline the lab', () => {
    const symbols = service.documentSymbols(labDocument(validLab));
    const names = symbols.map((symbol) => symbol.name);
    assert.deepEqual(names, ['name', 'networks', 'vms']);
    const vms = symbols.find((symbol) => symbol.name === 'vms');
    assert.ok(vms, 'the outline has a vms entry');
    assert.equal(vms.children?.length, 2);
  });
});
