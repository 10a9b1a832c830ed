// Debian packages each test tier needs, installed by the project itself on a fresh machine.
// Uses only Node built-ins.
import { spawnSync } from 'node:child_process';

/** Groups of Debian packages, by what needs them. */
export const packageGroups = {
  // libvirt's test driver through libvirt-dbus on a private bus; libvirtd with QEMU guests.
  // dnsmasq-base serves DHCP on lab networks; iproute2 (ip) lists the host's addresses and routes,
  // which lab networks must not overlap. virt-xml-validate (libvirt-clients) runs xmllint
  // (libxml2-utils) to check the Terraform export's XML.
  libvirt: [
    'dbus',
    'libvirt-daemon',
    'libvirt-daemon-driver-qemu',
    'libvirt-clients',
    'libxml2-utils',
    'libvirt-dbus',
    'dnsmasq-base',
    'iproute2',
  ],
  qemu: ['qemu-system-x86', 'qemu-utils', 'ovmf'],
  // What the vlm-tiny guest image is built from.
  tinyImage: ['linux-image-cloud-amd64', 'busybox-static', 'dropbear-bin', 'cpio', 'openssh-client', 'genisoimage'],
  // Provisioning runs confined: bubblewrap's namespaces, and nc (netcat-openbsd) as ssh's
  // ProxyCommand to the one VM's socket.
  ansible: ['ansible', 'bubblewrap', 'netcat-openbsd'],
  // vlm-host --listen tests make a self-signed TLS certificate.
  tls: ['openssl'],
  // ssh2's install script builds its native crypto binding with node-gyp (the SSH consoles' CPU
  // per megabyte); without a compiler it is skipped and ssh2 runs its JavaScript crypto.
  compiler: ['g++', 'make', 'python3'],
  // The extension's remote-host tests start their own sshd on 127.0.0.1.
  sshServer: ['openssh-server'],
  // code-server (a real VS Code for the extension's end-to-end tests) and the browser driving it.
  codeServer: ['ripgrep', 'libkrb5-dev', 'libsecret-1-dev', 'libx11-dev', 'libxkbfile-dev', 'chromium'],
  // The vSphere tests build a small Go main around govmomi's simulator (the library behind vcsim).
  vsphere: ['golang-go', 'golang-github-vmware-govmomi-dev', 'golang-github-google-uuid-dev'],
};

function missingPackages(names) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${...} is dpkg-query's own format syntax.
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { encoding: 'utf8' });
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => /\sii\s*$/.test(line))
      .map((line) => line.split(' ')[0]),
  );
  return names.filter((name) => !installed.has(name));
}

/** Installs what is missing of the given groups, or exits with the command that would. */
export function ensureSystemPackages(groups) {
  const wanted = [...new Set(groups.flatMap((group) => packageGroups[group] ?? []))];
  const missing = missingPackages(wanted);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`Missing Debian packages: ${missing.join(', ')}.\nInstall them as root with:\n  ${command}`);
    process.exit(1);
  }
  console.log(`Installing Debian packages: ${missing.join(' ')}`);
  const options = { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  const update = spawnSync('apt-get', [...lockWait, 'update'], options);
  const install =
    update.status === 0 ? spawnSync('apt-get', [...lockWait, 'install', '-y', '--no-install-recommends', ...missing], options) : update;
  if (install.status !== 0) {
    console.error(`Could not install ${missing.join(', ')}. Try by hand:\n  ${command}`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureSystemPackages(process.argv.slice(2));
