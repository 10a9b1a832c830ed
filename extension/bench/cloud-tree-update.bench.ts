// The Clouds view with 1,000 instances over 17 regions: one instance changes state (what a followed
// operation reports). Incremental update (what the view does: the model updates that row object in
// place and names the rows to redraw) against a full refresh (rebuild every row, hand VS Code all
// of them), same run. Both include turning rows into serialized tree items, the extension host's
// work per refreshed row (the window's re-rendering comes on top and is not measured here).
import type { CloudAccount, CloudInstance } from '@vlm/clouds/src/cloud-provider';
import type { CloudRow } from '../src/clouds/cloud-rows';
import { CloudTreeModel, type LocationListing } from '../src/clouds/cloud-tree-model';
import { serializedTreeItem } from './serialized-tree-item';

const instanceCount = 1000;
const regionCount = 17;
const rounds = Number(process.argv[2] ?? 300);
const account: CloudAccount = { id: 'aws-main', provider: 'aws', settings: {} };

const instances: CloudInstance[] = Array.from({ length: instanceCount }, (_, index) => ({
  provider: 'aws',
  accountId: account.id,
  location: `region-${index % regionCount}`,
  id: `i-${index.toString(16).padStart(17, '0')}`,
  name: `web-${index}`,
  state: 'running',
  providerState: 'running',
  size: 't3.micro',
  publicAddress: `203.0.${index >> 8}.${index & 255}`,
  privateAddress: `10.0.${index >> 8}.${index & 255}`,
  startedAt: '2026-11-29T08:00:00Z',
  tags: { env: index % 2 ? 'prod' : 'test', team: 'platform' },
  pricePerHour: { currency: 'USD', micros: 10_400 },
  consoleUrl: `https://console.aws.amazon.com/ec2/home#InstanceDetails:instanceId=i-${index}`,
  actions: ['stop', 'reboot', 'forceStop', 'delete'],
}));

function listings(): LocationListing[] {
  return Array.from({ length: regionCount }, (_, region) => ({
    location: { id: `region-${region}`, label: `region-${region}` },
    instances: instances.filter((instance) => instance.location === `region-${region}`),
  }));
}

function loadedModel(): CloudTreeModel {
  const model = new CloudTreeModel(() => Date.parse('2026-11-29T12:00:00Z'));
  model.setAccounts([account]);
  model.setListing(account.id, listings());
  model.roots();
  return model;
}

function allRows(rows: readonly CloudRow[], into: CloudRow[] = []): CloudRow[] {
  for (const row of rows) {
    into.push(row);
    if (row.kind === 'account' || row.kind === 'location') allRows(row.children, into);
  }
  return into;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The instance of round `round` in its other state: running ↔ stopping. */
function toggled(model: CloudTreeModel, round: number): CloudInstance {
  const base = instances[(round * 37) % instanceCount] as CloudInstance;
  const current = model.instance(base.accountId, base.location, base.id) ?? base;
  const running = current.state === 'running';
  return {
    ...current,
    state: running ? 'stopping' : 'running',
    providerState: running ? 'stopping' : 'running',
    actions: running ? [] : base.actions,
  };
}

const incrementalModel = loadedModel();
const fullModel = loadedModel();
const incremental: number[] = [];
const full: number[] = [];
let redrawn = 0;
for (let round = 0; round < rounds; round++) {
  // Alternate which runs first, so neither always gets the warmer cache.
  const steps = [
    () => {
      const started = performance.now();
      const changed = incrementalModel.updateInstance(toggled(incrementalModel, round)) ?? allRows(incrementalModel.roots());
      for (const row of changed) serializedTreeItem(row);
      redrawn = changed.length;
      incremental.push(performance.now() - started);
    },
    () => {
      const started = performance.now();
      fullModel.updateInstance(toggled(fullModel, round));
      fullModel.invalidate();
      for (const row of allRows(fullModel.roots())) serializedTreeItem(row);
      full.push(performance.now() - started);
    },
  ];
  if (round % 2) steps.reverse();
  for (const step of steps) step();
}

const totalRows = allRows(fullModel.roots()).length;
const incrementalMedian = median(incremental);
const fullMedian = median(full);
console.log(
  `Clouds view after one instance changes state, ${instanceCount} instances in ${regionCount} regions, ${rounds} rounds (medians):`,
);
console.log(`  full refresh (anchor):       ${fullMedian.toFixed(3)} ms, ${totalRows} tree items made`);
console.log(
  `  incremental update:          ${incrementalMedian.toFixed(3)} ms, ${redrawn} tree items made (the instance, its region, its account)`,
);
console.log(`  ratio incremental / full:    ${(incrementalMedian / fullMedian).toFixed(3)}`);
