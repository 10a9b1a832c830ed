// Local labs' computed spend as the Expenses panel gets it, from a real vlm-host on libvirt's test
// driver: a deployed VM's running time priced with the cost model; an unreachable host, a missing
// cost model and a failing source become problem lines beside the lines that could be computed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { LabsApplyRequest, VmsForceStopRequest, VmsRunningIntervalsRequest } from '@vlm/schemas/src/host-protocol';
import type { CostModel, ExpensesToPanel } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { currentUtcMonth, derivedSpendFor, type SpendSource } from '../../src/dashboard/derived-spend';
import { localSpendSource } from '../../src/dashboard/local-spend-source';
import { waitUntil } from '../../../host-service/local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../../../host-service/test/support/host-fixture';

// Priced high enough that a second of running shows: 36.00 per vCPU-hour is 1 cent a second.
const model: CostModel = { currency: 'EUR', vcpuHourMicros: 36_000_000, ramGbHourMicros: 0, diskGbMonthMicros: 0 };

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'local-spend' });
});

after(async () => {
  await fixture?.dispose();
});

function derived(message: ExpensesToPanel) {
  assert.equal(message.type, 'derivedSpend');
  // What the panel will check on arrival.
  assert.ok(checkPanelMessage('ExpensesToPanel', message).ok);
  return message as Extract<ExpensesToPanel, { type: 'derivedSpend' }>;
}

describe('local spend from a vlm-host, as the Expenses panel gets it', () => {
  test('a lab VM that ran is a local line linked to its VM; an unreachable host is a problem line', async () => {
    const started = Date.now();
    await fixture.client.sendRequest(LabsApplyRequest.type, {
      lab: { name: 'priced', vms: [{ name: 'app', vcpu: 2, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
    });
    const source = localSpendSource({
      hosts: () => [
        { name: 'local', connection: fixture.client },
        { name: 'lab-box\u001b[31m', connection: undefined, reason: 'The SSH connection was refused.' },
      ],
      costModel: async () => model,
    });
    const vmCents = async () =>
      derived(await derivedSpendFor([source], currentUtcMonth()))
        .lines.filter((line) => line.link?.id === 'priced.app')
        .reduce((sum, line) => sum + line.amountMinor, 0);
    // While it runs, its open interval counts up to the host's clock: wait for a second of it.
    await waitUntil('a second of running priced', async () => (await vmCents()) >= 2, 10_000, 200);
    await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: 'priced.app' });
    const stopped = Date.now();
    const month = currentUtcMonth();
    const message = derived(await derivedSpendFor([source], month));
    const lines = message.lines.filter((line) => line.link?.id === 'priced.app');
    assert.ok(lines.length >= 1);
    const cents = lines.reduce((sum, line) => sum + line.amountMinor, 0);
    // 2 vCPUs at 1 cent per second each, for the seconds between start and stop (to the second).
    const most = Math.ceil((stopped - started) / 1000 + 2) * 2;
    assert.ok(cents >= 2 && cents <= most, `${cents} cents for ${stopped - started} ms`);
    assert.equal(await vmCents(), cents, 'stopped: its interval is closed and counts no more');
    assert.ok(lines.every((line) => line.source === 'local' && line.category === 'Local labs' && line.currency === 'EUR'));
    assert.match(lines[0]?.note ?? '', /^priced\/app on local: \d+ s running, 2 vCPU, 128 MiB RAM, 1 GiB disk$/);
    assert.deepEqual(message.problems, [
      "Host lab-box\\u001b[31m is unreachable, so its labs' spend is missing: The SSH connection was refused.",
    ]);
  });

  test('no cost model: no lines, and a problem that says how to set one', async () => {
    const source = localSpendSource({ hosts: () => [{ name: 'local', connection: fixture.client }], costModel: async () => undefined });
    const message = derived(await derivedSpendFor([source], currentUtcMonth()));
    assert.deepEqual(message.lines, []);
    assert.match(message.problems[0] ?? '', /set a cost model \(Virtual Labs: Set Cost Model\)/);
  });

  test('a source that throws is one problem line; the other sources still count; long problems are cut', async () => {
    const failing: SpendSource = { name: 'Cloud hours', linesFor: async () => Promise.reject(new Error('x'.repeat(5000))) };
    const fixed: SpendSource = {
      name: 'Fixed',
      linesFor: async () => ({
        lines: [{ source: 'cloud', date: '2026-11-01', amountMinor: 5, currency: 'USD', category: 'Cloud', note: '' }],
        problems: Array.from({ length: 150 }, (_, index) => `problem ${index}`),
      }),
    };
    const message = derived(await derivedSpendFor([failing, fixed], '2026-11'));
    assert.equal(message.lines.length, 1);
    assert.equal(message.problems.length, 100);
    assert.match(message.problems[0] ?? '', /^Cloud hours: x+…$/);
    assert.equal(message.problems[0]?.length, 1000);
    assert.equal(message.problems.at(-1), 'And 52 more problems.');
  });
});

/** A JSON-RPC peer on loopback TCP that knows no method (as an older vlm-host) or never answers. */
async function peer(hang: boolean): Promise<{ connection: MessageConnection; close(): void }> {
  const server = createServer((socket) => {
    const side = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    if (hang) side.onRequest(VmsRunningIntervalsRequest.type, () => new Promise<never>(() => undefined));
    side.listen();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  connection.listen();
  return {
    connection,
    close: () => {
      connection.dispose();
      socket.destroy();
      server.close();
    },
  };
}

test('an older host that lacks the request, and a host that never answers, are named as problems', async () => {
  const old = await peer(false);
  const hung = await peer(true);
  try {
    const source = localSpendSource({
      hosts: () => [
        { name: 'old', connection: old.connection },
        { name: 'stuck', connection: hung.connection },
      ],
      costModel: async () => model,
      answerTimeoutMs: 300,
    });
    const { lines, problems } = await source.linesFor('2026-11');
    assert.deepEqual(lines, []);
    assert.deepEqual(problems, [
      "Host old runs a vlm-host that does not record running time: update it to see its labs' spend.",
      "Host stuck did not answer within 0.3 s, so its labs' spend is missing.",
    ]);
  } finally {
    old.close();
    hung.close();
  }
});
