// The text of a new lab file: small, valid, and commented so it teaches the format.
// No `vscode` import: unit-tested against the schema and the language service.

export function starterLab(name: string): string {
  return `# A Virtual Lab Manager lab: virtual machines and the networks that join them.
# Hover a key to read what it does; Ctrl+Space lists what may come next.
name: ${name}
description: A starting point; describe what this lab is for
# The host that runs the lab, as named in the vlm.hosts setting; "local" is this machine.
host: local

networks:
  # A private network of this lab. "isolated" VMs reach each other and the host only.
  - name: lan
    cidr: 10.77.0.0/24
    mode: isolated

vms:
  # vlm-tiny boots in seconds; debian-12 and ubuntu-24.04 are full systems.
  - name: first
    vcpu: 1
    ram_mb: 128
    disk_gb: 1
    os_image: vlm-tiny
    networks: [lan]
  - name: second
    vcpu: 1
    ram_mb: 128
    disk_gb: 1
    os_image: vlm-tiny
    networks: [lan]
    # Boot order: "second" starts once "first" is running.
    depends_on: [first]
`;
}

/** A lab name not yet taken by a file in the folder, such as `my-lab` or `my-lab-2`. */
export function freeLabName(taken: ReadonlySet<string>, base = 'my-lab'): string {
  if (!taken.has(base)) return base;
  for (let counter = 2; ; counter += 1) {
    const candidate = `${base}-${counter}`;
    if (!taken.has(candidate)) return candidate;
  }
}
