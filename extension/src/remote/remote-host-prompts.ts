// The VS Code side of remote hosts: the host key question as a modal dialog, the password
// as a masked input box, passwords kept in SecretStorage, and a connect function that the
// host connections call with a `user@host[:port]` destination.
import * as vscode from 'vscode';
import type { HostClient } from '@vlm/host-client/src/connection';
import type { RemoteHostPrompts, SecretStore } from './remote-host-client';
import { parseSshDestination } from './ssh-destination';

/** The host key question and the password box, shared by remote hosts and cloud instances' terminals. */
export const sshPrompts: RemoteHostPrompts = {
  async confirmHostKey(key) {
    const choice = await vscode.window.showWarningMessage(
      `The authenticity of host ${key.name} can't be established.`,
      {
        modal: true,
        detail:
          `Its ${key.keyType} key fingerprint is\n${key.fingerprint}\n\n` +
          'Compare it with the one the server shows (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it). ' +
          'Connecting records the key in your known_hosts file, as ssh does.',
      },
      'Connect and Remember Key',
    );
    return choice === 'Connect and Remember Key';
  },
  async askPassword(destination, retry) {
    return vscode.window.showInputBox({
      title: `Password for ${destination}`,
      prompt: retry ? 'That password was refused. Try again.' : "Kept in VS Code's secret storage until it stops working.",
      password: true,
      ignoreFocusOut: true,
    });
  },
};

/** Connects to the host service behind `destination`; rejects with a reason a user can act on. */
export async function connectRemoteHost(
  destination: string,
  /** VS Code's SecretStorage, in practice. */
  secrets: SecretStore,
  log: (line: string) => void,
  socketPath?: string,
  /** The questions to ask: sshPrompts when a user asked to connect, else ones that ask nothing. */
  prompts: RemoteHostPrompts = sshPrompts,
): Promise<HostClient> {
  const parsed = parseSshDestination(destination);
  // ssh2 loads with the first SSH connection, not with the extension.
  const { openRemoteHostClient } = await import('./remote-host-client');
  return openRemoteHostClient({ destination: parsed, secrets, prompts, log, socketPath });
}
