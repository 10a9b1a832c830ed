// Event to tree: a VM changes state on the host; how long until its tree row says so. A host
// stand-in sends vlm/events/event over a real Unix socket (JSON-RPC, as vlm-host does); the client
// side is the extension's own path without VS Code: the inventory applies the event, the view's
// debounce gathers it, the rows are rebuilt and reconciled, and the VM's row changes contextValue.
// Anchor, same run: the bare notification's trip over the same socket.
import { createServer, connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { EventNotification, type HostEvent, type VmSummary } from '@vlm/schemas/src/host-protocol';
import type { HostDefinition } from '../src/host-configuration';
import { HostInventory } from '../src/host-inventory';
import { labsTree } from '../src/labs-tree-model';
import { refreshDelayMs, StableRows } from '../src/tree-rows';

const samples = Number(process.argv[2] ?? 200);
const host: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '' } };
const folder = mkdtempSync(join(tmpdir(), 'vlm-latency-'));
const socketPath = join(folder, 'host.sock');

const vms: VmSummary[] = Array.from({ length: 100 }, (_, index) => ({
  name: `lab-vm-${index}`,
  uuid: String(index),
  state: 'shut-off',
  vcpu: 1,
  memoryBytes: 1 << 27,
  persistent: true,
  autostart: false,
  lab: 'lab',
  labVm: `vm-${index}`,
}));

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? NaN;
}

async function main(): Promise<void> {
  const serverSide = new Promise<Socket>((resolve) => {
    const server = createServer((socket) => resolve(socket));
    server.listen(socketPath);
  });
  const clientSocket = connect({ path: socketPath });
  const hostSocket = await serverSide;
  const hostConnection = createMessageConnection(new SocketMessageReader(hostSocket), new SocketMessageWriter(hostSocket));
  const client = createMessageConnection(new SocketMessageReader(clientSocket), new SocketMessageWriter(clientSocket));
  hostConnection.listen();

  const inventory = new HostInventory();
  inventory.load([{ name: 'lab', status: 'running', vmCount: vms.length, updatedAt: '' }], vms);
  const rows = new StableRows();
  rows.reconcile(labsTree([{ host, state: { status: 'connected' }, labs: inventory.snapshot() }]));

  let mode: 'anchor' | 'tree' = 'anchor';
  let waiting: { vm: string; contextValue: string; sentAt: number; done: (ms: number) => void } | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  client.onNotification(EventNotification.type, (event) => {
    if (mode === 'anchor') {
      waiting?.done(performance.now() - waiting.sentAt);
      return;
    }
    inventory.apply(event);
    if (refreshTimer !== undefined) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      const { changed } = rows.reconcile(labsTree([{ host, state: { status: 'connected' }, labs: inventory.snapshot() }]));
      const row = changed.find((candidate) => candidate.kind === 'vm' && candidate.domain === waiting?.vm);
      if (waiting && row?.contextValue === waiting.contextValue) waiting.done(performance.now() - waiting.sentAt);
    }, refreshDelayMs);
  });
  client.listen();

  let sequence = 0;
  async function measure(index: number): Promise<number> {
    const vm = vms[index % vms.length] as VmSummary;
    const running = inventory.vm(vm.name)?.state === 'running';
    // In anchor mode the inventory is not touched, so keep the toggle in step by hand.
    const state = running ? 'shut-off' : 'running';
    return new Promise<number>((resolve) => {
      waiting = { vm: vm.name, contextValue: running ? 'stoppedVm' : 'runningVm', sentAt: performance.now(), done: resolve };
      const event: HostEvent = {
        type: 'vm-state',
        vm: vm.name,
        state,
        lab: 'lab',
        detail: '',
        sequence: ++sequence,
        time: new Date().toISOString(),
      };
      void hostConnection.sendNotification(EventNotification.type, event);
    });
  }

  const anchor: number[] = [];
  const tree: number[] = [];
  for (let index = 0; index < samples; index++) {
    mode = 'anchor';
    anchor.push(await measure(index));
    mode = 'tree';
    tree.push(await measure(index));
  }
  client.dispose();
  hostConnection.dispose();
  clientSocket.destroy();
  hostSocket.destroy();
  rmSync(folder, { recursive: true, force: true });

  console.log(`Event to tree row, ${samples} VM state changes over a Unix socket (100 VMs on the host):`);
  console.log(
    `  anchor, notification arrival:  p50 ${percentile(anchor, 0.5).toFixed(2)} ms, p95 ${percentile(anchor, 0.95).toFixed(2)} ms`,
  );
  console.log(
    `  row changed (incl. ${refreshDelayMs} ms debounce): p50 ${percentile(tree, 0.5).toFixed(2)} ms, p95 ${percentile(tree, 0.95).toFixed(2)} ms (target p95 < 250 ms)`,
  );
  console.log(`  ratio p50 row / arrival:       ${(percentile(tree, 0.5) / percentile(anchor, 0.5)).toFixed(1)}`);
  process.exit(0);
}

void main();
