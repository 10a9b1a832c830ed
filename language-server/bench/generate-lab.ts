// Realistic lab files of any size for the benchmarks: networks, static addresses, depends_on
// chains, fixed ports on some VMs, cloud-init and Ansible blocks. Every generated lab is valid.
import type { Position } from 'vscode-languageserver-types';

const images = ['debian-12', 'ubuntu-24.04', 'vlm-tiny'];
const tagSets = ['[web]', '[database, team=blue]', '[cache]', '[worker, batch]'];

export function vmName(index: number): string {
  return `vm-${String(index + 1).padStart(4, '0')}`;
}

function networkName(index: number): string {
  return `net-${String(index + 1).padStart(2, '0')}`;
}

function networkSubnet(index: number): string {
  return `10.${20 + Math.floor(index / 200)}.${index % 200}.0`;
}

export function networkCount(vmCount: number): number {
  return Math.min(64, Math.max(2, Math.ceil(vmCount / 20)));
}

/** Marker line whose run number changes per measurement, so no cache can recognise the text. */
export const runMarkerPattern = /^# run \d{6}$/m;

export function withRunMarker(text: string, run: number): string {
  return text.replace(runMarkerPattern, `# run ${String(run).padStart(6, '0')}`);
}

function vmLines(index: number, vmCount: number): string[] {
  const networks = networkCount(vmCount);
  const lines = [`  - name: ${vmName(index)}`];
  if (index % 3 === 0) lines.push(`    description: Worker ${index + 1} of the benchmark lab`);
  lines.push(
    `    vcpu: ${1 + (index % 4)}`,
    `    ram_mb: ${512 * (1 + (index % 8))}`,
    `    disk_gb: ${10 + (index % 4) * 10}`,
    `    os_image: ${images[index % images.length]}`,
  );
  const primary = index % networks;
  if (index % 4 === 0) {
    // A static address: host part unique within the network, since VM i is host i / networks.
    const secondary = (index + 1) % networks;
    const host = 10 + Math.floor(index / networks);
    const subnet = networkSubnet(secondary).split('.').slice(0, 3).join('.');
    lines.push(
      '    networks:',
      `      - ${networkName(primary)}`,
      `      - name: ${networkName(secondary)}`,
      `        ip: ${subnet}.${host}`,
    );
  } else {
    lines.push(`    networks: [${networkName(primary)}]`);
  }
  if (index < 1000) lines.push(`    ssh_port: ${22000 + index}`);
  if (index < 100 && index % 2 === 0) lines.push(`    vnc_port: ${5900 + index}`);
  if (index > 0) {
    const dependencies = [vmName(index - 1)];
    if (index % 10 === 0) dependencies.push(vmName(Math.floor(index / 2)));
    const unique = [...new Set(dependencies)];
    if (index % 2 === 0) lines.push(`    depends_on: [${unique.join(', ')}]`);
    else lines.push('    depends_on:', ...unique.map((name) => `      - ${name}`));
  }
  if (index % 6 === 1) lines.push(`    tags: ${tagSets[index % tagSets.length]}`);
  if (index % 7 === 3) {
    lines.push(
      '    cloud_init: |',
      '      #cloud-config',
      '      packages:',
      '        - htop',
      '      runcmd:',
      `        - [hostnamectl, set-hostname, ${vmName(index)}]`,
    );
  }
  if (index % 5 === 2) {
    lines.push(
      '    ansible_config_yaml: |',
      '      - name: Configure the service',
      '        hosts: all',
      '        become: true',
      '        tasks:',
      '          - name: Install nginx',
      '            ansible.builtin.apt:',
      '              name: nginx',
      '              update_cache: true',
      '          - name: Start nginx',
      '            ansible.builtin.service:',
      '              name: nginx',
      '              state: started',
    );
  }
  return lines;
}

export function generateLab(vmCount: number): string {
  const lines = [
    '# run 000000',
    `name: bench-${vmCount}`,
    `description: Generated lab with ${vmCount} VMs for the language server benchmarks`,
    'tags: [bench]',
    'networks:',
  ];
  for (let index = 0; index < networkCount(vmCount); index += 1) {
    lines.push(`  - name: ${networkName(index)}`, `    cidr: ${networkSubnet(index)}/24`);
    if (index % 4 === 1) lines.push('    mode: nat');
    if (index % 5 === 2) lines.push('    dhcp: false');
  }
  lines.push('vms:');
  for (let index = 0; index < vmCount; index += 1) lines.push(...vmLines(index, vmCount));
  return `${lines.join('\n')}\n`;
}

export interface CompletionCase {
  /** What the user is typing, for the report. */
  label: string;
  text: string;
  position: Position;
}

/** The lab with a last VM being edited: the cursor where the user types a value. */
export function completionCases(vmCount: number): CompletionCase[] {
  const base = generateLab(vmCount).trimEnd().split('\n');
  const lastLine = base.length;
  const previous = vmName(vmCount - 1);
  const editedVm = (fields: string[]) => [...base, '  - name: vm-new', ...fields];
  const dependsOn = editedVm([
    '    vcpu: 1',
    '    ram_mb: 1024',
    '    disk_gb: 10',
    '    os_image: debian-12',
    '    depends_on:',
    `      - ${previous}`,
    '      - ',
  ]);
  const osImage = editedVm(['    vcpu: 1', '    ram_mb: 1024', '    disk_gb: 10', '    os_image: ']);
  return [
    { label: 'depends_on item', text: `${dependsOn.join('\n')}\n`, position: { line: lastLine + 7, character: 8 } },
    { label: 'os_image value', text: `${osImage.join('\n')}\n`, position: { line: lastLine + 4, character: 14 } },
  ];
}

/** Billion laughs: nine levels of ten aliases each expand to 10^9 strings if followed naively. */
export function aliasBomb(): string {
  const lines = ['# run 000000', 'name: bomb', 'x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let level = 1; level <= 8; level += 1) {
    const previous = `*l${level - 1}`;
    lines.push(`x-l${level}: &l${level} [${Array.from({ length: 10 }, () => previous).join(', ')}]`);
  }
  lines.push('vms:', '  - name: a', '    vcpu: 1', '    ram_mb: 128', '    disk_gb: 1', '    os_image: vlm-tiny', '    tags: *l8');
  return `${lines.join('\n')}\n`;
}
