// The host ports a lab VM may ask for: SSH forwards and VNC displays, each in its own range.
export const portRanges = {
  ssh_port: { minimum: 22000, maximum: 22999 },
  vnc_port: { minimum: 5900, maximum: 5999 },
} as const;

export type PortField = keyof typeof portRanges;
