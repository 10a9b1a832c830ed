// Budgets, exchange rates and the month-end forecast: what a user reads in the Budgets section.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Budget, BudgetFields, DerivedSpend, ExpenseEntry } from '@vlm/schemas';
import { BudgetInputError, deleteBudget, deleteRate, saveBudget, saveRate } from '../../src/expenses/model/budget-changes';
import { budgetFieldsProblems, monthSpendLines } from '../../src/expenses/model/budgets';
import { convertMinor, exchangeRateProblems, formatRate, parseRate } from '../../src/expenses/model/exchange-rates';
import { budgetStatus, percentOf } from '../../src/expenses/model/forecast';
import { dashboardDataProblem, emptySections } from '../../src/store/dashboard-data';

const budget = (overrides: Partial<Budget> = {}): Budget => ({
  id: 'b1',
  scope: 'all',
  amountMinor: 10_000,
  currency: 'EUR',
  ...overrides,
});
let count = 0;
const expense = (date: string, amountMinor: number, overrides: Partial<ExpenseEntry> = {}): ExpenseEntry => {
  count += 1;
  return { id: `e${count}`, date, amountMinor, currency: 'EUR', category: 'hosting', note: '', ...overrides };
};
const status = (target: Budget, expenses: ExpenseEntry[], today: string, rates = [], derived: DerivedSpend[] = []) =>
  budgetStatus(target, monthSpendLines(expenses, derived, today.slice(0, 7)), rates, today);

describe('budget fields', () => {
  test('bad input names its field and what is allowed', () => {
    const fields = (overrides: Partial<BudgetFields>): BudgetFields => ({ scope: 'all', amountMinor: 100, currency: 'EUR', ...overrides });
    assert.deepEqual(budgetFieldsProblems(fields({ amountMinor: -500 })), ['amount: a budget cannot be negative (-5.00); give 0 or more']);
    assert.deepEqual(budgetFieldsProblems(fields({ amountMinor: 1.5 })), ['amount: 1.5 is not a whole number of minor units']);
    assert.deepEqual(budgetFieldsProblems(fields({ currency: 'XYZ' })), ['currency: XYZ is not an ISO 4217 currency code in use']);
    assert.deepEqual(budgetFieldsProblems(fields({ scope: 'category' })), [
      'match: a category budget needs the category it is for, such as hosting',
    ]);
    assert.deepEqual(budgetFieldsProblems(fields({ scope: 'provider', match: '   ' })).length, 1);
    assert.match(budgetFieldsProblems(fields({ match: 'hosting' }))[0] ?? '', /^match: a budget for all spend/);
    assert.deepEqual(budgetFieldsProblems(fields({ amountMinor: 0 })), []);
  });

  test('saving refuses bad fields and changes nothing; editing forgets the alerts of the old limit', () => {
    const draft = {
      budgets: [budget()],
      budgetAlerts: [{ budgetId: 'b1', month: '2026-03', percent: 80 as const, basis: 'actual' as const, shownAt: '2026-03-10T00:00:00Z' }],
      exchangeRates: [],
    };
    assert.throws(() => saveBudget(draft, undefined, { scope: 'all', amountMinor: -1, currency: 'EUR' }, () => 'b2'), BudgetInputError);
    assert.equal(draft.budgets.length, 1);
    assert.throws(
      () => saveBudget(draft, 'gone', { scope: 'all', amountMinor: 1, currency: 'EUR' }, () => 'x'),
      /no budget has the id gone/,
    );
    saveBudget(draft, 'b1', { scope: 'category', match: ' hosting ', amountMinor: 5000, currency: 'EUR' }, () => 'x');
    assert.deepEqual(draft.budgets, [{ id: 'b1', scope: 'category', match: 'hosting', amountMinor: 5000, currency: 'EUR' }]);
    assert.deepEqual(draft.budgetAlerts, []);
    deleteBudget(draft, 'b1');
    assert.deepEqual(draft.budgets, []);
  });
});

describe('exchange rates', () => {
  test('rates are parsed exactly into millionths and read back', () => {
    assert.deepEqual(parseRate('1.0825'), { rateMicros: 1_082_500 });
    assert.deepEqual(parseRate('150'), { rateMicros: 150_000_000 });
    assert.equal(formatRate(1_082_500), '1.0825');
    assert.equal(formatRate(150_000_000), '150');
    assert.equal(formatRate(5), '0.000005');
    for (const bad of ['0', '-1', '1,08', '1.0000001', 'abc', '']) assert.ok('problem' in parseRate(bad), bad);
  });

  test('conversion is exact, by the rate or its inverse, between minor units of different sizes', () => {
    const rates = [
      { from: 'USD', to: 'EUR', rateMicros: 920_000 },
      { from: 'EUR', to: 'JPY', rateMicros: 160_500_000 },
    ];
    assert.equal(convertMinor(10_000n, 'USD', 'EUR', rates), 9200n);
    assert.equal(convertMinor(9200n, 'EUR', 'USD', rates), 10_000n);
    assert.equal(convertMinor(1234n, 'EUR', 'JPY', rates), 1981n); // 12.34 × 160.5 = 1980.57
    assert.equal(convertMinor(-1234n, 'EUR', 'JPY', rates), -1981n);
    assert.equal(convertMinor(100n, 'GBP', 'EUR', rates), undefined);
  });

  test('a bad rate is refused by field; a rate set again replaces the pair in either direction', () => {
    assert.deepEqual(exchangeRateProblems({ from: 'EUR', to: 'EUR', rateMicros: 1 }), [
      'to: a rate converts between two currencies, and both are EUR',
    ]);
    assert.deepEqual(exchangeRateProblems({ from: 'usd', to: 'EUR', rateMicros: 0 }), [
      'from: "usd" is not a currency code: use three capital letters, such as EUR or USD',
      'rate: 0 is not a whole, positive number of millionths',
    ]);
    const draft = { budgets: [], budgetAlerts: [], exchangeRates: [{ from: 'USD', to: 'EUR', rateMicros: 920_000 }] };
    saveRate(draft, { from: 'EUR', to: 'USD', rateMicros: 1_090_000 });
    assert.deepEqual(draft.exchangeRates, [{ from: 'EUR', to: 'USD', rateMicros: 1_090_000 }]);
    deleteRate(draft, 'USD', 'EUR');
    assert.deepEqual(draft.exchangeRates, []);
  });
});

describe('a budget month and its forecast', () => {
  test('spend so far plus the daily average of one-off spend times the days left', () => {
    // March has 31 days; on the 10th, 100.00 of one-off spend: 10.00 a day for 21 more days.
    const result = status(budget(), [expense('2026-03-02', 4000), expense('2026-03-10', 6000), expense('2026-02-27', 999)], '2026-03-10');
    assert.equal(result.spentMinor, 10_000);
    assert.equal(result.forecastMinor, 10_000 + 21_000);
    assert.equal(result.actualByDay.length, 10);
    assert.equal(result.actualByDay[1], 4000);
    assert.equal(result.forecastByDay[8], null);
    assert.equal(result.forecastByDay[9], 10_000);
    assert.equal(result.forecastByDay[30], 31_000);
    assert.equal(percentOf(result.spentMinor, result.budget), 100);
  });

  test('monthly expenses count on their day and are not averaged; expenses dated ahead count on theirs', () => {
    const rent = expense('2025-11-01', 50_000, { recurrence: 'monthly' });
    const later = expense('2026-01-20', 3000, { recurrence: 'monthly' });
    const planned = expense('2026-03-25', 700);
    const result = status(budget({ amountMinor: 100_000 }), [rent, later, planned, expense('2026-03-05', 1000)], '2026-03-10');
    assert.equal(result.spentMinor, 51_000);
    // 10.00 one-off over 10 days = 1.00 a day for 21 days, plus the 20th's 30.00 and the 25th's 7.00.
    assert.equal(result.forecastMinor, 51_000 + 2100 + 3000 + 700);
    assert.equal(result.forecastByDay[18], 51_000 + 900);
    assert.equal(result.forecastByDay[19], 51_000 + 1000 + 3000);
  });

  test('a category or provider budget counts only its spend, computed spend included', () => {
    const cloud = { kind: 'provider' as const, id: 'aws-main' };
    const expenses = [expense('2026-03-01', 1000, { link: cloud }), expense('2026-03-01', 200, { category: 'domains' })];
    const derived: DerivedSpend[] = [
      { source: 'cloud', date: '2026-03-02', amountMinor: 300, currency: 'EUR', category: 'cloud', note: '', link: cloud },
      { source: 'local', date: '2026-04-01', amountMinor: 99, currency: 'EUR', category: 'hosting', note: '' },
    ];
    assert.equal(status(budget({ scope: 'provider', match: 'aws-main' }), expenses, '2026-03-02', [], derived).spentMinor, 1300);
    assert.equal(status(budget({ scope: 'category', match: 'domains' }), expenses, '2026-03-02', [], derived).spentMinor, 200);
    assert.equal(status(budget({ scope: 'category', match: 'Domains' }), expenses, '2026-03-02', [], derived).spentMinor, 0);
    assert.equal(status(budget(), expenses, '2026-03-02', [], derived).spentMinor, 1500);
  });

  test('other currencies convert by a rate the user set; without one they are left out, and said', () => {
    const expenses = [
      expense('2026-03-01', 1000),
      expense('2026-03-01', 1000, { currency: 'USD' }),
      expense('2026-03-01', 500, { currency: 'GBP' }),
    ];
    const without = status(budget(), expenses, '2026-03-01');
    assert.equal(without.spentMinor, 1000);
    assert.deepEqual(without.leftOut, [
      { currency: 'GBP', minor: 500 },
      { currency: 'USD', minor: 1000 },
    ]);
    const withRate = budgetStatus(
      budget(),
      monthSpendLines(expenses, [], '2026-03'),
      [{ from: 'USD', to: 'EUR', rateMicros: 900_000 }],
      '2026-03-01',
    );
    assert.equal(withRate.spentMinor, 1900);
    assert.deepEqual(withRate.leftOut, [{ currency: 'GBP', minor: 500 }]);
  });

  test('a zero budget: any spend is past it; none is not', () => {
    assert.equal(percentOf(1, budget({ amountMinor: 0 })), Number.POSITIVE_INFINITY);
    assert.equal(percentOf(0, budget({ amountMinor: 0 })), 0);
  });
});

describe('the budget sections of a hand-edited file', () => {
  const file = (sections: Record<string, unknown>) => ({ schema_version: 2, revision: 1, ...emptySections(), ...sections });
  test('each section is checked, and the sentence names the entry and the field', () => {
    assert.equal(dashboardDataProblem(file({ budgets: [budget()] })), undefined);
    assert.equal(dashboardDataProblem(file({ budgets: [budget({ amountMinor: -1 })] })), 'budgets[0].amountMinor must be >= 0');
    assert.equal(
      dashboardDataProblem(file({ budgets: [budget({ scope: 'category' })] })),
      'budgets[0] match: a category budget needs the category it is for, such as hosting',
    );
    assert.equal(
      dashboardDataProblem(file({ budgets: [budget({ currency: 'ABC' })] })),
      'budgets[0] currency: ABC is not an ISO 4217 currency code in use',
    );
    const alert = { budgetId: 'gone', month: '2026-03', percent: 80, basis: 'actual', shownAt: '2026-03-01T00:00:00Z' };
    assert.equal(dashboardDataProblem(file({ budgetAlerts: [alert] })), 'budgetAlerts[0] is for the budget gone, which does not exist');
    const mine = { ...alert, budgetId: 'b1' };
    assert.equal(
      dashboardDataProblem(file({ budgets: [budget()], budgetAlerts: [mine, mine] })),
      'budgetAlerts[1] repeats the 80% actual alert of b1 in 2026-03',
    );
    const rate = { from: 'USD', to: 'EUR', rateMicros: 920_000 };
    assert.equal(dashboardDataProblem(file({ exchangeRates: [rate, rate] })), 'exchangeRates[1] repeats the rate from USD to EUR');
    assert.equal(
      dashboardDataProblem(file({ exchangeRates: [{ ...rate, to: 'USD' }] })),
      'exchangeRates[0] to: a rate converts between two currencies, and both are USD',
    );
  });
});
