// The sidebar with 1000 VMs (10 labs of 100): one VM changes state. Incremental refresh (what the
// extension does: apply the event, rebuild the rows, keep unchanged row objects, hand VS Code only
// the changed rows) against a naive full refresh (rebuild and hand VS Code every row), same run.
// Both include turning rows into serialized tree items with a VM's Markdown tooltip, the extension
// host's work per refreshed row (the window's re-rendering comes on top and is not measured here).
import type { HostEvent, LabSummary, VmSummary } from '@vlm/schemas/src/host-protocol';
import type { HostDefinition } from '../src/host-configuration';
import { HostInventory } from '../src/host-inventory';
import { isLeafRow, labsTree, type Row, type VmRowCache } from '../src/labs-tree-model';
import { StableRows } from '../src/tree-rows';
import { serializedTreeItem } from './serialized-tree-item';
import { vmTooltipMarkdown } from '../src/vm-tooltip';

/** What getTreeItem makes of a row: its item, and a VM's Markdown tooltip. */
function handedOver(row: Row): string {
  return row.kind === 'vm' ? serializedTreeItem({ ...row, tooltip: vmTooltipMarkdown(row.tooltipFacts) }) : serializedTreeItem(row);
}

const labCount = 10;
const vmsPerLab = 100;
const rounds = Number(process.argv[2] ?? 300);
const host: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/vlm/vlm-host.sock' } };

const labs: LabSummary[] = [];
const vms: VmSummary[] = [];
for (let lab = 0; lab < labCount; lab++) {
  const labName = `lab-${lab}`;
  labs.push({ name: labName, status: 'running', vmCount: vmsPerLab, updatedAt: '2026-11-21T00:00:00Z' });
  for (let vm = 0; vm < vmsPerLab; vm++) {
    vms.push({
      name: `${labName}-vm-${vm}`,
      uuid: `${lab}-${vm}`,
      state: 'running',
      vcpu: 1,
      memoryBytes: 128 * 1024 ** 2,
      persistent: true,
      autostart: false,
      lab: labName,
      labVm: `vm-${vm}`,
    });
  }
}

function allRows(rows: readonly Row[], into: Row[] = []): Row[] {
  for (const row of rows) {
    into.push(row);
    if (!isLeafRow(row)) allRows(row.children, into);
  }
  return into;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

let sequence = 0;
function toggle(inventory: HostInventory, index: number): HostEvent {
  const vm = vms[index % vms.length] as VmSummary;
  const state = inventory.vm(vm.name)?.state === 'running' ? 'shut-off' : 'running';
  return { type: 'vm-state', vm: vm.name, state, lab: vm.lab, detail: '', sequence: ++sequence, time: '' } as HostEvent;
}

function snapshots(inventory: HostInventory) {
  return [{ host, state: { status: 'connected' as const }, labs: inventory.snapshot() }];
}

const incremental: number[] = [];
const naive: number[] = [];
const incrementalInventory = new HostInventory();
incrementalInventory.load(labs, vms);
const stable = new StableRows();
const vmRows: VmRowCache = new WeakMap();
stable.reconcile(labsTree(snapshots(incrementalInventory), '', Date.now(), vmRows));
const naiveInventory = new HostInventory();
naiveInventory.load(labs, vms);
let refreshedRows = 0;

for (let round = 0; round < rounds; round++) {
  // Alternate which runs first, so neither always gets the warmer cache.
  const steps = [
    () => {
      const started = performance.now();
      incrementalInventory.apply(toggle(incrementalInventory, round * 37));
      const { changed } = stable.reconcile(labsTree(snapshots(incrementalInventory), '', Date.now(), vmRows));
      for (const row of changed) handedOver(row);
      refreshedRows = changed.length;
      incremental.push(performance.now() - started);
    },
    () => {
      const started = performance.now();
      naiveInventory.apply(toggle(naiveInventory, round * 37));
      for (const row of allRows(labsTree(snapshots(naiveInventory)))) handedOver(row);
      naive.push(performance.now() - started);
    },
  ];
  if (round % 2) steps.reverse();
  for (const step of steps) step();
}

const totalRows = allRows(labsTree(snapshots(naiveInventory))).length;
const incrementalMedian = median(incremental);
const naiveMedian = median(naive);
console.log(`Tree refresh after one VM changes state, ${labCount * vmsPerLab} VMs in ${labCount} labs, ${rounds} rounds (medians):`);
console.log(`  naive full refresh (anchor):  ${naiveMedian.toFixed(3)} ms, ${totalRows} tree items made`);
console.log(`  incremental refresh:          ${incrementalMedian.toFixed(3)} ms, ${refreshedRows} tree items made (the VM and its lab)`);
console.log(`  ratio incremental / naive:    ${(incrementalMedian / naiveMedian).toFixed(2)}`);
