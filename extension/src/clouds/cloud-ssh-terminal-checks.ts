// What an SSH terminal to a cloud instance accepts before it connects: the address comes from the
// provider (untrusted), the user name from an input box. No `vscode` import: unit-tested.
/** A host name or an IPv4/IPv6 address, nothing a shell or URL could read otherwise (addresses come from the provider: untrusted). */
const addressPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|[0-9A-Fa-f:.]{2,45})$/;
const userPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

export function sshAddressProblem(address: string | undefined): string | undefined {
  if (!address) return 'It has no public or private address.';
  if (!addressPattern.test(address)) return `Its address "${address}" is not a host name or an IP address.`;
  return undefined;
}

export function sshUserProblem(user: string): string | undefined {
  return userPattern.test(user)
    ? undefined
    : 'Use letters, digits, "_", "." and "-", starting with a letter or "_", at most 32 characters.';
}
