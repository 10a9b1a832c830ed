// The cost model's arithmetic: prices parsed exactly into micros, hostile price text refused with
// the field named, and a machine's cost exact until one rounding to the currency's minor unit.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CostModel } from '@vlm/schemas';
import {
  costModelProblem,
  formatPriceMicros,
  machineCost,
  microsToMinor,
  monthlyMachineCost,
  parsePriceMicros,
  secondsPerMonth,
  sumMicros,
} from '../../src/costs/cost-model';
import { dashboardDataProblem, emptySections } from '../../src/store/dashboard-data';
import { DashboardStore, dashboardFileName } from '../../src/store/dashboard-store';

const model: CostModel = { currency: 'EUR', vcpuHourMicros: 12_500, ramGbHourMicros: 2_000, diskGbMonthMicros: 50_000 };

function problemOf(text: string): string {
  const parsed = parsePriceMicros(text, 'Price per vCPU-hour');
  assert.ok('problem' in parsed, `${text} should be refused`);
  return parsed.problem;
}

describe('prices', () => {
  test('a decimal price is read exactly into micros, never through a float', () => {
    assert.deepEqual(parsePriceMicros('0.0125'), { micros: 12_500 });
    assert.deepEqual(parsePriceMicros(' 3 '), { micros: 3_000_000 });
    assert.deepEqual(parsePriceMicros('0.000001'), { micros: 1 });
    assert.deepEqual(parsePriceMicros('0.1'), { micros: 100_000 });
    // 0.29 * 1e6 is 289999.99999999994 as a float.
    assert.deepEqual(parsePriceMicros('0.29'), { micros: 290_000 });
    assert.deepEqual(parsePriceMicros('9007199254.740991'), { micros: Number.MAX_SAFE_INTEGER });
  });

  test('hostile price text is refused with the field and what is allowed', () => {
    assert.match(problemOf('-0.5'), /^Price per vCPU-hour "-0.5" is negative/);
    assert.match(problemOf('1e3'), /"1e3" is not a price: write digits/);
    assert.match(problemOf('NaN'), /"NaN" is not a price/);
    assert.match(problemOf('Infinity'), /not a price/);
    assert.match(problemOf('0x10'), /not a price/);
    assert.match(problemOf('1,5'), /not a price/);
    assert.match(problemOf('.5'), /not a price/);
    assert.match(problemOf(''), /is empty/);
    assert.match(problemOf('0.0000001'), /has 7 decimals; a price has at most 6/);
    assert.match(problemOf('9007199254.740992'), /too large/);
    assert.match(problemOf('99999999999999999999999'), /too large/);
  });

  test('micros are written back as the text they were read from', () => {
    for (const text of ['0.0125', '3', '0', '0.000001', '9007199254.740991', '12.5']) {
      const parsed = parsePriceMicros(text);
      assert.ok('micros' in parsed);
      assert.equal(formatPriceMicros(parsed.micros), text);
    }
  });

  test('a cost model with a currency that does not exist is refused by the store check', () => {
    assert.equal(costModelProblem(model), undefined);
    assert.equal(costModelProblem(undefined), undefined);
    assert.match(costModelProblem({ ...model, currency: 'XYZ' }) ?? '', /costModel.currency: XYZ is not an ISO 4217/);
    const data = { schema_version: 2, revision: 0, ...emptySections(), costModel: { ...model, currency: 'XYZ' } };
    assert.match(dashboardDataProblem(data) ?? '', /XYZ/);
    assert.match(dashboardDataProblem({ ...data, costModel: { ...model, vcpuHourMicros: -1 } }) ?? '', /costModel.vcpuHourMicros/);
  });
});

test('the store keeps a cost model, and refuses one in an unknown currency without losing the saved one', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'vlm-cost-model-'));
  try {
    const store = await DashboardStore.open({ directory });
    await store.update((draft) => {
      draft.costModel = model;
    });
    const saved = readFileSync(join(directory, dashboardFileName), 'utf8');
    await assert.rejects(
      store.update((draft) => {
        draft.costModel = { ...model, currency: 'ABC' as CostModel['currency'] };
      }),
      /Refused to save the dashboard: costModel.currency: ABC is not an ISO 4217 currency code in use\. Nothing was saved\./,
    );
    assert.equal(readFileSync(join(directory, dashboardFileName), 'utf8'), saved);
    assert.deepEqual((await store.read()).costModel, model);
    await store.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

describe('machine cost', () => {
  test('a month is 730 hours of vCPU and RAM and one month of disk', () => {
    // 2 vCPUs × 0.0125 × 730 = 18.25; 2 GiB × 0.002 × 730 = 2.92; 20 GiB × 0.05 = 1.
    const cost = monthlyMachineCost(model, { vcpus: 2, ramMib: 2048, diskGib: 20 });
    assert.equal(microsToMinor(cost.vcpu, 'EUR'), 1825);
    assert.equal(microsToMinor(cost.ram, 'EUR'), 292);
    assert.equal(microsToMinor(cost.disk, 'EUR'), 100);
    assert.equal(microsToMinor(cost.total, 'EUR'), 2217);
  });

  test('MiB of RAM are priced exactly as fractions of a GiB, rounded once, half up', () => {
    // 1 MiB × 1 per GiB-hour × 730 h = 730/1024 = 0.712890625 → 0.71; 0.712890625 JPY → 1 yen.
    const cost = monthlyMachineCost({ ...model, ramGbHourMicros: 1_000_000 }, { vcpus: 0, ramMib: 1, diskGib: 0 });
    assert.deepEqual(cost.ram, { numerator: 730_000_000n * 3600n, denominator: 3600n * 1024n });
    assert.equal(microsToMinor(cost.ram, 'EUR'), 71);
    assert.equal(microsToMinor(cost.ram, 'JPY'), 1);
    assert.equal(microsToMinor({ numerator: 5_000n, denominator: 1n }, 'EUR'), 1);
    assert.equal(microsToMinor({ numerator: 4_999n, denominator: 1n }, 'EUR'), 0);
    assert.equal(microsToMinor({ numerator: 500n, denominator: 1n }, 'BHD'), 1);
  });

  test('running time prices vCPU and RAM by the hour, the disk by the fraction of a month', () => {
    const halfMonth = secondsPerMonth / 2;
    const cost = machineCost(model, { vcpus: 2, ramMib: 2048, diskGib: 20 }, 3600, halfMonth);
    assert.equal(microsToMinor(cost.vcpu, 'EUR'), 3); // 0.025
    assert.equal(microsToMinor(cost.disk, 'EUR'), 50);
    assert.equal(microsToMinor(machineCost(model, { vcpus: 2, ramMib: 2048, diskGib: 20 }, 0, 0).total, 'EUR'), 0);
  });

  test('prices near MAX_SAFE_INTEGER stay exact, and a total beyond it gives no figure', () => {
    const huge: CostModel = { currency: 'EUR', vcpuHourMicros: Number.MAX_SAFE_INTEGER, ramGbHourMicros: 0, diskGbMonthMicros: 0 };
    const cost = monthlyMachineCost(huge, { vcpus: 256, ramMib: 64, diskGib: 1 });
    assert.equal(cost.vcpu.numerator / cost.vcpu.denominator, BigInt(Number.MAX_SAFE_INTEGER) * 256n * 730n);
    assert.equal(microsToMinor(cost.total, 'EUR'), undefined);
    const oneHour = machineCost({ ...huge, vcpuHourMicros: 9_007_199_254_740_000 }, { vcpus: 1, ramMib: 0, diskGib: 0 }, 3600, 0);
    assert.equal(microsToMinor(oneHour.total, 'EUR'), 900_719_925_474);
  });

  test('sizes and durations that are not whole numbers of 0 or more are refused, not priced', () => {
    const bad = [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, 2 ** 53];
    for (const value of bad) {
      assert.throws(() => monthlyMachineCost(model, { vcpus: value, ramMib: 64, diskGib: 1 }), /vcpus is .* not a whole number/);
      assert.throws(() => monthlyMachineCost(model, { vcpus: 1, ramMib: value, diskGib: 1 }), /ramMib/);
      assert.throws(() => machineCost(model, { vcpus: 1, ramMib: 64, diskGib: 1 }, value, 0), /duration/);
    }
  });

  test('sums are exact across different denominators', () => {
    const third = { numerator: 1n, denominator: 3n };
    assert.deepEqual(sumMicros([third, third, third]), { numerator: 1n, denominator: 1n });
    assert.deepEqual(sumMicros([]), { numerator: 0n, denominator: 1n });
  });
});
