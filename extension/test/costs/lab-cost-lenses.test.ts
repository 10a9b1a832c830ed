// The cost lens as a user reads it in a lab file: a figure over the lab and each VM from the text as
// deploy parses it, "Set a cost model" without one, and no wrong figure while the file is broken.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { CostModel } from '@vlm/schemas';
import { costBreakdownMarkdown, costLenses } from '../../src/costs/lab-cost-lenses';
import { estimateLabCost } from '@vlm/webviews/src/costs/lab-cost-estimate';

const model: CostModel = { currency: 'EUR', vcpuHourMicros: 12_500, ramGbHourMicros: 2_000, diskGbMonthMicros: 50_000 };
const lab = `# two VMs
name: web-lab
vms:
  - name: web
    vcpu: 2
    ram_mb: 2048
    disk_gb: 20
    os_image: debian-12
  - name: db
    vcpu: 1
    ram_mb: 1536
    disk_gb: 10
    os_image: debian-12
`;
const titles = (text: string, costModel: CostModel | undefined = model) =>
  costLenses(text, costModel, 'en-US').map((lens) => `${lens.line}: ${lens.title}`);

describe('cost lenses', () => {
  test('the lab and each VM show their month, over the name line and each VM item', () => {
    // web: 18.25 + 2.92 + 1.00 = 22.17; db: 9.125 + 2.19 + 0.50 = 11.815 → 11.82 (11.815 exactly, half up); lab 33.985 → 33.99.
    assert.deepEqual(titles(lab), ['1: $(credit-card) ≈ €33.99 / month', '3: ≈ €22.17 / month', '8: ≈ €11.82 / month']);
    const [labLens] = costLenses(lab, model, 'en-US');
    assert.equal(labLens?.action, 'showBreakdown');
    assert.match(labLens?.tooltip ?? '', /Lab web-lab, 2 VMs, for a 730-hour month/);
  });

  test('the figures follow an edit', () => {
    assert.deepEqual(titles(lab.replace('vcpu: 2', 'vcpu: 4')).slice(0, 2), ['1: $(credit-card) ≈ €52.24 / month', '3: ≈ €40.42 / month']);
  });

  test('without a cost model the lab lens offers to set one, and the VMs show nothing', () => {
    assert.deepEqual(
      costLenses(lab, undefined).map((lens) => [lens.line, lens.title, lens.action]),
      [[1, '$(credit-card) Set a cost model', 'setCostModel']],
    );
  });

  test('a file that is not a lab yet has no lens', () => {
    assert.deepEqual(costLenses('vms:\n  - name: a\n', model), []);
    assert.deepEqual(costLenses('name:\n', model), []);
  });

  test('a broken document shows no figure at all', () => {
    const broken = `${lab}  - name: [unclosed\n`;
    assert.deepEqual(titles(broken), ['1: $(credit-card) Cost: not estimated']);
    assert.match(costLenses(broken, model)[0]?.tooltip ?? '', /YAML errors/);
    const bomb = `name: lab\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nvms: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    assert.match(costLenses(bomb, model)[0]?.tooltip ?? '', /cannot be read \(.*alias/i);
    assert.deepEqual(titles('name: lab\nvms: 3\n'), ['0: $(credit-card) Cost: not estimated']);
  });

  test('a VM deploy would refuse gets its reason, and the lab no total', () => {
    // 1e3 is YAML's number 1000, as deploy reads it: 18.25 + 2.92 + 50.
    const half = lab.replace('    ram_mb: 1536\n', '').replace('disk_gb: 20', 'disk_gb: 1e3');
    assert.deepEqual(titles(half), ['1: $(credit-card) Cost: no total', '3: ≈ €71.17 / month', '8: Cost: ram_mb is missing']);
    const hostile = [
      ['vcpu: 2', 'vcpu: .nan', '3: Cost: vcpu is not a whole number'],
      ['vcpu: 2', 'vcpu: "2"', '3: Cost: vcpu is not a whole number'],
      ['vcpu: 2', 'vcpu: -2', '3: Cost: vcpu is -2; a lab allows 1 to 256'],
      ['vcpu: 2', 'vcpu: 9007199254740993', '3: Cost: vcpu is 9007199254740992; a lab allows 1 to 256'],
      ['ram_mb: 2048', 'ram_mb: 2048.5', '3: Cost: ram_mb is not a whole number'],
      ['disk_gb: 20', 'disk_gb: 65537', '3: Cost: disk_gb is 65537; a lab allows 1 to 65536'],
      ['disk_gb: 20', 'disk_gb:', '3: Cost: disk_gb is missing'],
    ];
    for (const [from, to, expected] of hostile) assert.equal(titles(lab.replace(from ?? '', to ?? ''))[1], expected, to);
  });

  test('the largest lab the schema allows at the largest prices gives no wrong figure', () => {
    const huge: CostModel = { currency: 'EUR', vcpuHourMicros: Number.MAX_SAFE_INTEGER, ramGbHourMicros: 1, diskGbMonthMicros: 1 };
    // 2 × 730 h × 9,007,199,254.740991 = 13,150,510,911,921.84686686: exact, then rounded half up.
    assert.equal(titles(lab, huge)[1], '3: ≈ €13,150,510,911,921.85 / month');
    const widest = lab.replace('vcpu: 2', 'vcpu: 256');
    assert.deepEqual(titles(widest, huge), [
      '1: $(credit-card) Cost: no total',
      '3: Cost: its cost is too large to show',
      '8: ≈ €6,575,255,455,960.92 / month',
    ]);
    const big = { ...huge, vcpuHourMicros: 1_000_000_000_000 };
    const vms = Array.from({ length: 4096 }, () => ({ name: 'x', vcpu: 256, ram_mb: 4194304, disk_gb: 65536 }));
    assert.equal(estimateLabCost(big, vms).problem, 'the total is too large to show');
  });

  test('merge keys and aliases are read as deploy reads them', () => {
    const merged =
      'name: lab\nsizes: &small {vcpu: 1, ram_mb: 1024, disk_gb: 10}\nvms:\n  - <<: *small\n    name: a\n    os_image: debian-12\n';
    // 9.125 + 1.46 + 0.50
    assert.deepEqual(titles(merged), ['0: $(credit-card) ≈ €11.09 / month', '3: ≈ €11.09 / month']);
  });

  test('a hostile VM name never reaches a lens or the breakdown', () => {
    const text = lab.replace('- name: web\n', '- name: "<img src=x onerror=alert(1)>|"\n').replace('name: web-lab', 'name: "<b>lab</b>"');
    assert.ok(costLenses(text, model).every((lens) => !lens.tooltip.includes('<img')));
    const markdown = costBreakdownMarkdown(text, model, 'en-US');
    assert.doesNotMatch(markdown, /<img/);
    assert.match(markdown, /\| #1 \| 2 × 730 h = €18\.25/);
    assert.match(markdown, /^# Estimated monthly cost of lab \(not a valid lab name\)/);
  });
});

describe('cost breakdown', () => {
  test('per VM, its vCPU, RAM and disk lines, and the lab total', () => {
    const markdown = costBreakdownMarkdown(lab, model, 'en-US');
    assert.match(markdown, /^# Estimated monthly cost of lab web-lab/);
    assert.match(markdown, /0\.0125 EUR per vCPU-hour, 0\.002 EUR per GiB of RAM-hour, 0\.05 EUR per GiB of disk-month/);
    assert.match(markdown, /\| web \| 2 × 730 h = €18\.25 \| 2 GiB × 730 h = €2\.92 \| 20 GiB = €1\.00 \| €22\.17 \|/);
    assert.match(markdown, /\| db \| 1 × 730 h = €9\.13 \| 1\.5 GiB × 730 h = €2\.19 \| 10 GiB = €0\.50 \| €11\.82 \|/);
    assert.match(markdown, /\| \*\*Lab\*\* \| \| \| \| \*\*€33\.99\*\* \|/);
  });

  test('the shipped example labs are all priced', () => {
    const examples = new URL('../../../schemas/examples/', import.meta.url);
    for (const file of ['router', 'single-vm', 'three-tier-web', 'tiny-pair']) {
      const text = readFileSync(new URL(`${file}.lab.yaml`, examples), 'utf8');
      assert.match(costLenses(text, model, 'en-US')[0]?.title ?? '', /≈ €[0-9.,]+ \/ month/, file);
    }
  });

  test('without a model or with a broken file it says why', () => {
    assert.match(costBreakdownMarkdown(lab, undefined), /Virtual Labs: Set Cost Model/);
    assert.match(costBreakdownMarkdown('name: lab\nvms: [\n', model), /No estimate: the file has YAML errors/);
  });
});
