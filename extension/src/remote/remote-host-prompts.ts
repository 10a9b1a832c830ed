// The VS Code side of remote hosts: the host key question as a modal dialog, passwords,
// passphrases and keyboard-interactive answers in masked input boxes, secrets kept in
// SecretStorage, and a connect function that the host connections call with a
// `[user@]host-or-alias[:port]` destination, read through ~/.ssh/config.
import * as vscode from 'vscode';
import { homedir, userInfo } from 'node:os';
import type { HostClient } from '@vlm/host-client/src/connection';
import type { RemoteHostPrompts, SecretStore } from './remote-host-client';
import { readUserSshConfig } from './ssh-config';
import { resolveSshRoute, type SshHop, type SshRoute } from './ssh-route';

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
  async askPassphrase(keyPath, retry) {
    return vscode.window.showInputBox({
      title: `Passphrase for ${keyPath}`,
      prompt: retry
        ? 'That passphrase does not open the key. Try again, or press Escape to skip this key.'
        : 'Press Escape to skip this key.',
      password: true,
      ignoreFocusOut: true,
    });
  },
  async answerKeyboardInteractive(destination, request) {
    const answers: string[] = [];
    for (const [index, question] of request.prompts.entries()) {
      const answer = await vscode.window.showInputBox({
        title: `${request.name || 'Login'} on ${destination}${request.prompts.length > 1 ? ` (${index + 1}/${request.prompts.length})` : ''}`,
        prompt: [request.instructions, question.prompt].filter(Boolean).join(' '),
        password: !question.echo,
        ignoreFocusOut: true,
      });
      if (answer === undefined) return undefined;
      answers.push(answer);
    }
    return answers;
  },
};

/** Where `destination` leads after ~/.ssh/config; problems in the file are logged, refusals thrown. */
export function sshRouteOf(destination: string, log: (line: string) => void): SshRoute {
  const config = readUserSshConfig(homedir());
  for (const problem of config.problems) log(`~/.ssh/config: ${problem}`);
  return resolveSshRoute(destination, config, { home: homedir(), localUser: userInfo().username });
}

function hopDestination(hop: SshHop) {
  return { user: hop.user, host: hop.host, port: hop.port };
}

/** Connects to the host service behind `destination`; rejects with a reason a user can act on. */
export async function connectRemoteHost(
  destination: string,
  /** VS Code's SecretStorage, in practice. */
  secrets: SecretStore,
  log: (line: string) => void,
  options: { socketPath?: string; rememberPassphrases?: boolean } = {},
  /** The questions to ask: sshPrompts when a user asked to connect, else ones that ask nothing. */
  prompts: RemoteHostPrompts = sshPrompts,
): Promise<HostClient> {
  const { jumps, target } = sshRouteOf(destination, log);
  // ssh2 loads with the first SSH connection, not with the extension.
  const { openRemoteHostClient } = await import('./remote-host-client');
  return openRemoteHostClient({
    destination: hopDestination(target),
    ...(target.identityFiles.length > 0 ? { identityFiles: target.identityFiles } : {}),
    jumps: jumps.map((hop) => ({ destination: hopDestination(hop), identityFiles: hop.identityFiles })),
    secrets,
    prompts,
    log,
    socketPath: options.socketPath,
    rememberPassphrases: options.rememberPassphrases ?? false,
  });
}
