// What the tests check an export against, since Terraform cannot run here: the provider's
// attribute list at v0.9.7 (fixtures/, copied from the provider's own schema generator), the
// evaluation of the few references an export uses, and the provider's documented mapping of
// domain and network attributes to libvirt XML, validated by virt-xml-validate.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { literalOfTemplate } from '../../src/terraform/terraform-strings';
import { escapeXml } from '../../src/libvirt/xml-text';
import attributeFacts from './fixtures/libvirt-provider-attributes.json';

type Attributes = Record<string, { kind: string; type: string; since?: string }>;
const resources = (attributeFacts as unknown as { resources: Record<string, { attributes: Attributes }> }).resources;

/** Terraform's own arguments of every resource block, not the provider's. */
const metaArguments = new Set(['depends_on', 'lifecycle', 'count', 'for_each', 'provider']);

/** Where a value breaks the provider's attribute list: unknown paths, wrong types, missing required ones. */
export function attributeProblems(kind: string, body: Record<string, unknown>): string[] {
  const attributes = resources[kind]?.attributes;
  if (!attributes) return [`${kind}: not a resource of the provider`];
  const problems: string[] = [];
  const walk = (prefix: string, value: Record<string, unknown>) => {
    for (const [key, item] of Object.entries(value)) {
      if (prefix === '' && metaArguments.has(key)) continue;
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const fact = attributes[path];
      if (!fact) {
        problems.push(`${kind}: ${path} is not an attribute at v0.9.7`);
        continue;
      }
      if (fact.kind === 'read-only') problems.push(`${kind}: ${path} is read-only`);
      problems.push(...typeProblems(kind, path, fact.type, item));
      if (fact.type === 'Attributes') walk(path, item as Record<string, unknown>);
      if (fact.type === 'Attributes List') for (const element of item as Record<string, unknown>[]) walk(path, element);
    }
    // Required attributes of this object (its parent is set, or it is the resource).
    for (const [path, fact] of Object.entries(attributes)) {
      const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
      const key = path.slice(parent.length === 0 ? 0 : parent.length + 1);
      if (parent === prefix && fact.kind === 'required' && !(key in value)) problems.push(`${kind}: required ${path} is missing`);
    }
  };
  walk('', body);
  return problems;
}

function typeProblems(kind: string, path: string, type: string, value: unknown): string[] {
  const expression = typeof value === 'string' && /^\$\{[^}]*\}$/.test(value);
  const ok =
    (type === 'String' && typeof value === 'string') ||
    (type === 'Number' && (Number.isInteger(value) || expression)) ||
    (type === 'Boolean' && typeof value === 'boolean') ||
    (type === 'List of String' && Array.isArray(value) && value.every((item) => typeof item === 'string')) ||
    (type === 'Attributes' && value !== null && typeof value === 'object' && !Array.isArray(value)) ||
    (type === 'Attributes List' && Array.isArray(value));
  return ok ? [] : [`${kind}: ${path} should be ${type}, is ${JSON.stringify(value)}`];
}

/** The version each attribute path first appeared in, for paths set in `body`. */
export function sinceOf(kind: string, path: string): string | undefined {
  return resources[kind]?.attributes[path]?.since;
}

/**
 * The value of every string as Terraform would evaluate it: `${var.x}` from `variables`, a
 * resource's `name` from the document, anything else left as the expression; `$${` and `%%{` undone.
 */
export function evaluate(document: Record<string, unknown>, variables: Record<string, string>): (value: unknown) => unknown {
  const resource = document.resource as Record<string, Record<string, Record<string, unknown>>>;
  const defaults = document.variable as Record<string, { default?: string }>;
  const expression = (text: string): unknown => {
    const match = /^\$\{([A-Za-z0-9_.-]+)\}$/.exec(text);
    if (!match) return literalOfTemplate(text);
    const parts = (match[1] as string).split('.');
    if (parts[0] === 'var') return variables[parts[1] as string] ?? defaults[parts[1] as string]?.default ?? text;
    const [kind, label, attribute] = parts as [string, string, string];
    const target = resource[kind]?.[label];
    return attribute === 'name' && target ? evaluateValue(target.name) : text;
  };
  const evaluateValue = (value: unknown): unknown => {
    if (typeof value === 'string') return expression(value);
    if (Array.isArray(value)) return value.map(evaluateValue);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateValue(v)]));
    return value;
  };
  return evaluateValue;
}

type Value = Record<string, unknown>;
const attribute = (name: string, value: unknown) => (value === undefined ? '' : ` ${name}='${escapeXml(String(value))}'`);
const yesNo = (value: unknown) => (value === undefined ? undefined : value ? 'yes' : 'no');

/** A disk: the union branch set (volume | file | block) is its type. */
function diskXml(disk: Value): string {
  const source = disk.source as Value;
  const [branch, detail] = Object.entries(source)[0] as [string, Value];
  const sourceXml =
    branch === 'volume'
      ? `<source${attribute('pool', detail.pool)}${attribute('volume', detail.volume)}/>`
      : `<source${attribute(branch === 'file' ? 'file' : 'dev', detail[branch])}/>`;
  const driver = disk.driver as Value | undefined;
  const target = disk.target as Value;
  return [
    `<disk type='${branch === 'block' ? 'block' : branch}'${attribute('device', disk.device)}>`,
    driver ? `<driver${attribute('name', driver.name)}${attribute('type', driver.type)}/>` : '',
    sourceXml,
    `<target${attribute('dev', target.dev)}${attribute('bus', target.bus)}/>`,
    disk.read_only ? '<readonly/>' : '',
    '</disk>',
  ].join('');
}

/** An interface: the union branch set (network | user) is its type. */
function interfaceXml(nic: Value): string {
  const source = nic.source as Value;
  const network = source.network as Value | undefined;
  const mac = nic.mac as Value | undefined;
  const model = nic.model as Value | undefined;
  return [
    `<interface type='${network ? 'network' : 'user'}'>`,
    network ? `<source${attribute('network', network.network)}/>` : '',
    mac ? `<mac${attribute('address', mac.address)}/>` : '',
    model ? `<model${attribute('type', model.type)}/>` : '',
    '</interface>',
  ].join('');
}

function osXml(os: Value): string {
  const firmwareInfo = os.firmware_info as { features?: Value[] } | undefined;
  const features = (firmwareInfo?.features ?? []).map(
    (item) => `<feature${attribute('enabled', item.enabled)}${attribute('name', item.name)}/>`,
  );
  return [
    `<os${attribute('firmware', os.firmware)}>`,
    `<type${attribute('arch', os.type_arch)}${attribute('machine', os.type_machine)}>${escapeXml(String(os.type))}</type>`,
    features.length > 0 ? `<firmware>${features.join('')}</firmware>` : '',
    os.nv_ram ? `<nvram>${escapeXml(String((os.nv_ram as Value).nv_ram))}</nvram>` : '',
    ...(['kernel', 'initrd', 'cmdline'] as const).map((key) =>
      os[key] === undefined ? '' : `<${key}>${escapeXml(String(os[key]))}</${key}>`,
    ),
    ...((os.boot_devices as Value[] | undefined) ?? []).map((boot) => `<boot${attribute('dev', boot.dev)}/>`),
    '</os>',
  ].join('');
}

function devicesXml(devices: Value): string {
  const rngs = ((devices.rngs as Value[] | undefined) ?? []).map((rng) => {
    const random = (rng.backend as Value | undefined)?.random;
    return `<rng${attribute('model', rng.model)}><backend model='random'>${escapeXml(String(random))}</backend></rng>`;
  });
  const graphics = ((devices.graphics as Value[] | undefined) ?? []).map((item) => {
    const vnc = item.vnc as Value;
    return `<graphics type='vnc'${attribute('port', vnc.port)}${attribute('autoport', yesNo(vnc.auto_port))}${attribute('listen', vnc.listen)}${attribute('passwd', vnc.passwd)}/>`;
  });
  return [
    '<devices>',
    ...((devices.disks as Value[] | undefined) ?? []).map(diskXml),
    ...((devices.interfaces as Value[] | undefined) ?? []).map(interfaceXml),
    ...rngs,
    ...graphics,
    '</devices>',
  ].join('');
}

/** The libvirt domain XML an evaluated libvirt_domain body stands for, by the provider's rules. */
export function domainXmlOf(body: Value): string {
  const features = body.features as Value | undefined;
  const cpu = body.cpu as Value | undefined;
  const args = ((body.qemu_commandline as { args?: Value[] } | undefined)?.args ?? []).map(
    (arg) => `<qemu:arg${attribute('value', arg.value)}/>`,
  );
  return [
    `<domain${attribute('type', body.type)} xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>`,
    `<name>${escapeXml(String(body.name))}</name>`,
    body.description === undefined ? '' : `<description>${escapeXml(String(body.description))}</description>`,
    `<memory${attribute('unit', body.memory_unit)}>${body.memory}</memory>`,
    `<vcpu>${body.vcpu}</vcpu>`,
    osXml(body.os as Value),
    features ? `<features>${features.acpi ? '<acpi/>' : ''}${features.apic ? '<apic/>' : ''}</features>` : '',
    cpu ? `<cpu${attribute('mode', cpu.mode)}/>` : '',
    ...(['on_poweroff', 'on_reboot', 'on_crash'] as const).map((key) =>
      body[key] === undefined ? '' : `<${key}>${escapeXml(String(body[key]))}</${key}>`,
    ),
    devicesXml(body.devices as Value),
    args.length > 0 ? `<qemu:commandline>${args.join('')}</qemu:commandline>` : '',
    '</domain>',
  ].join('\n');
}

/** The libvirt network XML an evaluated libvirt_network body stands for. */
export function networkXmlOf(body: Value): string {
  const ips = ((body.ips as Value[] | undefined) ?? []).map((ip) => {
    const dhcp = ip.dhcp as { ranges?: Value[]; hosts?: Value[] } | undefined;
    const ranges = (dhcp?.ranges ?? []).map((range) => `<range${attribute('start', range.start)}${attribute('end', range.end)}/>`);
    const hosts = (dhcp?.hosts ?? []).map(
      (host) => `<host${attribute('mac', host.mac)}${attribute('name', host.name)}${attribute('ip', host.ip)}/>`,
    );
    const dhcpXml = dhcp ? `<dhcp>${ranges.join('')}${hosts.join('')}</dhcp>` : '';
    return `<ip${attribute('address', ip.address)}${attribute('netmask', ip.netmask)}>${dhcpXml}</ip>`;
  });
  const forward = body.forward as Value | undefined;
  const dns = body.dns as Value | undefined;
  return [
    '<network>',
    `<name>${escapeXml(String(body.name))}</name>`,
    forward ? `<forward${attribute('mode', forward.mode)}/>` : '',
    dns ? `<dns${attribute('enable', dns.enable)}/>` : '',
    ...ips,
    '</network>',
  ].join('\n');
}

const installHint =
  'virt-xml-validate is missing: it comes with libvirt-clients. Install it with `node scripts/system-packages.mjs libvirt` ' +
  '(as root) or `apt-get install libvirt-clients`.';

const xmllintHint =
  'virt-xml-validate needs xmllint (libxml2-utils). Install it with `node scripts/system-packages.mjs libvirt` (as root) ' +
  'or `apt-get install libxml2-utils`.';

/** virt-xml-validate's verdict on `xml` as `schema` (domain, network); a missing tool is an error saying how to install it. */
export async function validateXml(xml: string, schema: 'domain' | 'network'): Promise<{ ok: boolean; output: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'vlm-terraform-xml-'));
  try {
    const file = join(folder, `${schema}.xml`);
    await writeFile(file, xml);
    const run = spawnSync('virt-xml-validate', [file, schema], { encoding: 'utf8' });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(installHint);
    if (/xmllint: not found/.test(run.stderr)) throw new Error(xmllintHint);
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
