// Which crypto the SSH consoles run: ssh2's native binding (built by its install script where a
// compiler is present, shipped beside the bundle) or its pure-JavaScript fallback, which costs
// several times the host CPU per megabyte of console output. Said in the ready line.
import { bindingAvailable } from 'ssh2/lib/protocol/crypto';

export type SshCrypto = 'native' | 'JavaScript';

export function sshCrypto(): SshCrypto {
  return bindingAvailable ? 'native' : 'JavaScript';
}
