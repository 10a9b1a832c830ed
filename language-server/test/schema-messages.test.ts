// Schema problems in words a user reads: a vlm code, the field, what it holds and what is allowed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { labSchema } from '@vlm/schemas';
import { createLabLanguageService, diagnosticCodes } from '../src/index';
import { elementAt, labDocument, rangeOf } from './lab-text';

const service = createLabLanguageService();

const vmLines = ['  - name: web', '    vcpu: 1', '    ram_mb: 512', '    disk_gb: 5', '    os_image: debian-12'];

function lab(vmExtra: string[] = [], top: string[] = []): string {
  return ['name: words', ...top, 'vms:', ...vmLines, ...vmExtra.map((line) => `    ${line}`), ''].join('\n');
}

async function problems(text: string): Promise<Array<{ code: unknown; message: string }>> {
  const diagnostics = await service.validate(labDocument(text));
  return diagnostics.map((diagnostic) => ({ code: diagnostic.code, message: diagnostic.message }));
}

describe('schema messages: names and unknown keys', () => {
  test('a name that is not a DNS label says which name and what names may be', async () => {
    assert.deepEqual(await problems(lab().replace('name: web', 'name: Web_1')), [
      {
        code: diagnosticCodes.invalidValue,
        message:
          'vms[0].name is "Web_1", which is not allowed. VM names are DNS labels: lowercase letters, digits and inner \'-\', at most 63 characters.',
      },
    ]);
    const network = await problems(lab([], ['networks:', '  - name: -lan', '    cidr: 10.1.0.0/24']));
    assert.deepEqual(
      network.filter((problem) => problem.code === diagnosticCodes.invalidValue),
      [
        {
          code: diagnosticCodes.invalidValue,
          message:
            'networks[0].name is "-lan", which is not allowed. Network names are DNS labels: lowercase letters, digits and inner \'-\', at most 63 characters.',
        },
      ],
    );
    const long = await problems(lab([`depends_on: [${'a'.repeat(64)}]`]));
    assert.ok(
      long.some(
        (problem) =>
          problem.code === diagnosticCodes.invalidValue &&
          problem.message.startsWith('vms[0].depends_on[0] is "aaaa') &&
          problem.message.endsWith(
            "VM names in depends_on are DNS labels: lowercase letters, digits and inner '-', at most 63 characters.",
          ),
      ),
      JSON.stringify(long),
    );
  });

  test('an unknown key suggests the nearest allowed key, or lists them', async () => {
    assert.deepEqual(await problems(lab(['ram: 5'])), [
      {
        code: diagnosticCodes.unknownField,
        message: "Unknown field 'ram' in vms[0]; did you mean 'ram_mb'?",
      },
    ]);
    const far = await problems(lab([], ['colour: blue']));
    assert.deepEqual(far, [
      {
        code: diagnosticCodes.unknownField,
        message:
          "Unknown field 'colour' in the lab; allowed fields: 'name', 'description', 'host', 'tags', 'idle_shutdown_minutes', 'idle_cpu_percent', 'networks', 'vms'.",
      },
    ]);
  });

  test('the unknown key is marked, not its value', async () => {
    const document = labDocument(lab(['ram: 5']));
    const [diagnostic] = await service.validate(document);
    assert.ok(diagnostic, 'the unknown key is reported');
    assert.deepEqual(diagnostic.range, rangeOf(document, 'ram', 2));
  });
});

describe('schema messages: values and forms', () => {
  test('type, enum, minimum and maximum, missing fields, item counts and duplicates', async () => {
    assert.deepEqual(await problems(lab(['autostart: yes'])), [
      {
        code: diagnosticCodes.wrongType,
        message: 'vms[0].autostart must be true or false, but it is the text "yes".',
      },
    ]);
    assert.deepEqual(await problems(lab(['firmware: efi'])), [
      {
        code: diagnosticCodes.invalidValue,
        message: "vms[0].firmware is \"efi\"; allowed values: 'bios', 'uefi'. Did you mean 'uefi'?",
      },
    ]);
    assert.deepEqual(await problems(lab().replace('disk_gb: 5', 'disk_gb: 70000')), [
      {
        code: diagnosticCodes.outOfRange,
        message: 'vms[0].disk_gb is 70000; it must be from 1 to 65536.',
      },
    ]);
    assert.deepEqual(await problems('name: words\nvms:\n  - name: web\n'), [
      {
        code: diagnosticCodes.missingField,
        message: "vms[0] has no vcpu, ram_mb, disk_gb and os_image. Required here: 'name', 'vcpu', 'ram_mb', 'disk_gb', 'os_image'.",
      },
    ]);
    assert.deepEqual(await problems('name: words\nvms: []\n'), [
      { code: diagnosticCodes.itemCount, message: 'vms is empty; it needs at least 1 item.' },
    ]);
    const duplicate = await problems(lab(['tags: [web, web]']));
    assert.deepEqual(duplicate, [
      { code: diagnosticCodes.duplicateItem, message: 'vms[0].tags lists "web" twice (items 0 and 1); each may appear once.' },
    ]);
    const tooMany = await problems(
      lab([`networks: [${Array.from({ length: 17 }, () => 'lan').join(', ')}]`], ['networks:', '  - name: lan', '    cidr: 10.1.0.0/24']),
    );
    assert.ok(
      tooMany.some(
        (problem) =>
          problem.code === diagnosticCodes.itemCount && problem.message === 'vms[0].networks has 17 items; at most 16 are allowed.',
      ),
      JSON.stringify(tooMany),
    );
  });

  test('a VM network entry is explained by the form it takes: a name, or a mapping', async () => {
    const base = ['networks:', '  - name: lan', '    cidr: 10.1.0.0/24'];
    assert.deepEqual(await problems(lab(['networks: [{name: lan, ip: 5}]'], base)), [
      {
        code: diagnosticCodes.wrongType,
        message: 'vms[0].networks[0].ip must be text, but it is 5. A static ip is an IPv4 address, such as 10.10.1.10.',
      },
    ]);
    assert.deepEqual(await problems(lab(['networks: [{name: lan, mask: 24}]'], base)), [
      {
        code: diagnosticCodes.unknownField,
        message: "Unknown field 'mask' in vms[0].networks[0]; allowed fields: 'name', 'ip'.",
      },
    ]);
    assert.deepEqual(await problems(lab(['networks: [7]'], base)), [
      {
        code: diagnosticCodes.wrongType,
        message:
          "vms[0].networks[0] is 7, which is not allowed. Each entry of a VM's networks is a network name, or a mapping with 'name' and an optional static 'ip'.",
      },
    ]);
  });

  test('keys that are JavaScript object keys are ordinary unknown keys', async () => {
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const found = await problems(lab([`${key}: 1`]));
      assert.deepEqual(
        found.map((problem) => problem.code),
        [diagnosticCodes.unknownField],
        key,
      );
      assert.match(elementAt(found, 0).message, new RegExp(`^Unknown field '${key}' in vms\\[0\\];`));
    }
  });
});

describe('schema messages: no raw patterns or keywords, empty files', () => {
  test('no schema message shows a regular expression or an ajv keyword as its code', async () => {
    const text = lab(
      ['ssh_authorized_keys: [not-a-key]', 'os_image: Debian 12', 'tags: ["-x"]'],
      ['host: Bad_Host', 'networks:', '  - name: lan', '    cidr: 10.1.0.0'],
    );
    const found = await problems(text);
    assert.ok(found.length >= 5, JSON.stringify(found));
    for (const problem of found) {
      assert.match(String(problem.code), /^vlm-[a-z-]+$/);
      assert.doesNotMatch(problem.message, /\^|\$"|\[a-z|pattern|\{1,3\}/, problem.message);
    }
  });

  test('every pattern of the lab schema has allowed-values words, so none is shown raw', () => {
    const missing: string[] = [];
    const walk = (node: unknown, pointer: string, worded: boolean): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      const hasWords = worded || typeof schema['x-allowed'] === 'string';
      if (typeof schema.pattern === 'string' && !hasWords) missing.push(pointer);
      for (const [key, value] of Object.entries(schema)) walk(value, `${pointer}/${key}`, hasWords && key !== 'properties');
    };
    walk(labSchema, '', false);
    assert.deepEqual(missing, []);
  });

  test('an empty lab file, blank or only comments, is an error on line 1', async () => {
    for (const text of ['', '   \n\n', '# nothing yet\n# name: x\n', '---\n']) {
      const document = labDocument(text);
      const diagnostics = await service.validate(document);
      assert.equal(diagnostics.length, 1, JSON.stringify(text));
      assert.equal(elementAt(diagnostics, 0).code, diagnosticCodes.emptyLab);
      assert.equal(elementAt(diagnostics, 0).range.start.line, 0);
      assert.match(elementAt(diagnostics, 0).message, /^The lab file is empty\. A lab needs at least a 'name' and one VM under 'vms'/);
    }
  });
});
