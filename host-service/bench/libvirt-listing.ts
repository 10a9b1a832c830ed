// Benchmark: listing 1000 domains on libvirt's test driver.
//   ours:     LibvirtDbusHypervisor.listDomains() (warm: identities cached; cold: a new connection's first listing)
//   anchor 1: cockpit-machines' way: ListDomains, then four D-Bus calls per domain (GetXMLDesc,
//             GetState, GetStats, Properties.GetAll), all domains concurrently
//   anchor 2: one virsh process on test:///default: `list --all` plus `dominfo` per domain
//   also CPU, steadier than wall time on a loaded machine: ours cold counts vlm-host, libvirt-dbus
//   and dbus-daemon (the test driver runs inside libvirt-dbus); virsh runs the test driver itself
// Run: node --import tsx host-service/bench/libvirt-listing.ts [domains=1000] [rounds=7]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import dbus from 'dbus-next';
import { startLibvirtTestEnvironment } from '../local-libvirt/libvirt-environment';
import { LibvirtDbusHypervisor } from '../src/libvirt/libvirt-dbus-hypervisor';
import { buildDomainXml } from '../src/libvirt/domain-xml';
import { dbusCall } from '../src/libvirt/dbus-call';
import {
  connectInterface,
  connectPaths,
  domainInterface,
  domainStatsTypes,
  libvirtService,
  propertiesInterface,
} from '../src/libvirt/constants';
import { besideAnchor, median } from './libvirt-bench-statistics';

const domainCount = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 7);
const timeoutMs = 120_000;

/** CPU time (user + system) a process has used so far, in ms, from /proc (10 ms ticks). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command name (which may hold spaces), utime and stime are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function benchDomainXml(index: number): string {
  const name = `bench-${String(index).padStart(4, '0')}`;
  return buildDomainXml({ name, type: 'qemu', vcpu: 1, memoryMiB: 128, vlm: { lab: 'bench', vm: name } });
}

/** cockpit-machines' listing: per domain, XML + state + stats + properties. */
async function listTheCockpitWay(bus: dbus.MessageBus): Promise<number> {
  const call = (path: string, iface: string, member: string, signature = '', body: unknown[] = []) =>
    dbusCall(bus, libvirtService, { path, interface: iface, member, signature, body }, timeoutMs);
  const [paths] = (await call(connectPaths.test, connectInterface, 'ListDomains', 'u', [0])) as [string[]];
  const domains = await Promise.all(
    paths.map((path) =>
      Promise.all([
        call(path, domainInterface, 'GetXMLDesc', 'u', [0]),
        call(path, domainInterface, 'GetState', 'u', [0]),
        call(path, domainInterface, 'GetStats', 'uu', [domainStatsTypes.state | domainStatsTypes.balloon | domainStatsTypes.vcpu, 0]),
        call(path, propertiesInterface, 'GetAll', 's', [domainInterface]),
      ]),
    ),
  );
  return domains.length;
}

/** A virsh shell on test:///default, driven through stdin; `run` waits for a marker echoed after the commands. */
class VirshShell {
  private output = '';
  private waiters: Array<() => void> = [];
  private readonly child = spawn('virsh', ['-c', 'test:///default'], { stdio: ['pipe', 'pipe', 'pipe'] });
  private marker = 0;

  constructor() {
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('virsh did not start');
    return this.child.pid;
  }

  async run(commands: string[]): Promise<string> {
    const marker = `vlm-marker-${++this.marker}`;
    const start = this.output.length;
    this.child.stdin.write(`${commands.join('\n')}\necho ${marker}\n`);
    while (!this.output.slice(start).includes(marker)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const text = this.output.slice(start);
    this.output = '';
    return text;
  }

  async close(): Promise<void> {
    this.child.stdin.end('quit\n');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

async function main(): Promise<void> {
  const environment = await startLibvirtTestEnvironment();
  const folder = mkdtempSync(join(tmpdir(), 'vlm-bench-listing-'));
  const virshShell = new VirshShell();
  try {
    const hypervisor = await LibvirtDbusHypervisor.connect({
      driver: 'test',
      busAddress: environment.busAddress,
      callTimeoutMs: timeoutMs,
      pollIntervalMs: 3_600_000,
    });
    const files: string[] = [];
    for (let index = 0; index < domainCount; index++) {
      const xml = benchDomainXml(index);
      await hypervisor.defineDomain(xml);
      const file = join(folder, `d${index}.xml`);
      writeFileSync(file, xml);
      files.push(file);
    }
    await virshShell.run(files.map((file) => `define ${file}`));
    const names = ['test', ...Array.from({ length: domainCount }, (_, index) => `bench-${String(index).padStart(4, '0')}`)];
    const expected = domainCount + 1; // plus the test driver's own domain

    const cockpitBus = dbus.sessionBus({ busAddress: environment.busAddress });
    const oursWarm: number[] = [];
    const oursCold: number[] = [];
    const cockpit: number[] = [];
    const virsh: number[] = [];
    const oursColdCpu: number[] = [];
    const virshCpu: number[] = [];
    const serviceCpuMs = () => processCpuMs(environment.libvirtDbus.process.pid) + processCpuMs(environment.bus.process.pid);
    for (let round = 0; round < rounds; round++) {
      let start = performance.now();
      const listed = await hypervisor.listDomains();
      oursWarm.push(performance.now() - start);
      if (listed.length !== expected) throw new Error(`ours listed ${listed.length} domains, expected ${expected}`);

      const serviceCpuBefore = serviceCpuMs();
      const ownCpuBefore = process.cpuUsage();
      start = performance.now();
      const fresh = await LibvirtDbusHypervisor.connect({
        driver: 'test',
        busAddress: environment.busAddress,
        callTimeoutMs: timeoutMs,
        pollIntervalMs: 3_600_000,
      });
      oursCold.push(performance.now() - start);
      const ownCpu = process.cpuUsage(ownCpuBefore);
      oursColdCpu.push((ownCpu.user + ownCpu.system) / 1000 + serviceCpuMs() - serviceCpuBefore);
      await fresh.close();

      start = performance.now();
      const cockpitCount = await listTheCockpitWay(cockpitBus);
      cockpit.push(performance.now() - start);
      if (cockpitCount !== expected) throw new Error(`cockpit's way listed ${cockpitCount}, expected ${expected}`);

      const virshCpuBefore = processCpuMs(virshShell.pid);
      start = performance.now();
      const text = await virshShell.run(['list --all', ...names.map((name) => `dominfo ${name}`)]);
      virsh.push(performance.now() - start);
      virshCpu.push(processCpuMs(virshShell.pid) - virshCpuBefore);
      const infos = text.split('\n').filter((line) => line.startsWith('UUID:')).length;
      if (infos !== expected) throw new Error(`virsh printed ${infos} dominfo records, expected ${expected}`);
    }
    cockpitBus.disconnect();
    await hypervisor.close();

    console.log(`Listing ${expected} domains on libvirt's test driver, median of ${rounds} rounds (cores: shared)`);
    console.log(besideAnchor('ours, warm (4 calls in all)', median(oursWarm), "cockpit's way (4 calls per domain)", median(cockpit)));
    console.log(besideAnchor('ours, cold (new connection)', median(oursCold), "cockpit's way (4 calls per domain)", median(cockpit)));
    console.log(besideAnchor('ours, warm', median(oursWarm), 'virsh: list --all + dominfo each', median(virsh)));
    console.log(besideAnchor('ours, cold', median(oursCold), 'virsh: list --all + dominfo each', median(virsh)));
    console.log(besideAnchor('ours, cold: CPU of all 3 processes', median(oursColdCpu), "virsh: CPU of virsh's process", median(virshCpu)));
    console.log(
      `target: ours <= 0.5x cockpit's way — warm ${(median(oursWarm) / median(cockpit)).toFixed(2)}x, cold ${(median(oursCold) / median(cockpit)).toFixed(2)}x`,
    );
    const coldToVirsh = median(oursCold) / median(virsh);
    console.log(`target (issue 13): ours cold <= 1.0x virsh — ${coldToVirsh.toFixed(2)}x ${coldToVirsh <= 1 ? 'met' : 'NOT met'}`);
  } finally {
    await virshShell.close();
    await environment.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
