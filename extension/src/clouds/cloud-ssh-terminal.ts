// An SSH shell on a cloud instance in VS Code's terminal, over ssh2: the same login and
// known_hosts checking as for remote KVM hosts (remote/remote-host-client.ts), the same host key
// question and password box. The user name is asked, and remembered per account.
import { StringDecoder } from 'node:string_decoder';
import * as vscode from 'vscode';
import type { Client, ClientChannel } from 'ssh2';
import type { CloudInstance } from '@vlm/clouds/src/cloud-provider';
import { endedLine } from '../consoles/console-registry';
import type { Log } from '../log';
import { openSshConnection } from '../remote/remote-host-client';
import { sshPrompts } from '../remote/remote-host-prompts';
import { instanceAddress } from './cloud-rows';
import { sshAddressProblem, sshUserProblem } from './cloud-ssh-terminal-checks';

/** The usual first user of each provider's images. */
function defaultUser(instance: CloudInstance): string {
  return { aws: 'ec2-user', gcp: '', azure: 'azureuser', proxmox: 'root', vsphere: 'root' }[instance.provider] || 'root';
}

export async function openCloudSshTerminal(context: vscode.ExtensionContext, log: Log, instance: CloudInstance): Promise<void> {
  const address = instanceAddress(instance);
  const problem = sshAddressProblem(address);
  if (problem || !address) throw new Error(`Cannot open an SSH terminal to ${instance.name || instance.id}: ${problem}`);
  const memory = `vlm.cloud.sshUser/${instance.accountId}`;
  const user = await vscode.window.showInputBox({
    title: `SSH to ${instance.name || instance.id} (${address})`,
    prompt: 'User name on the instance',
    value: context.globalState.get<string>(memory) ?? defaultUser(instance),
    validateInput: sshUserProblem,
  });
  if (user === undefined) return;
  await context.globalState.update(memory, user);
  const client = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Connecting to ${user}@${address}` },
    () =>
      openSshConnection({
        destination: { user, host: address, port: 22 },
        secrets: context.secrets,
        prompts: sshPrompts,
        log: (line) => log.info(line),
      }),
  );
  const terminal = vscode.window.createTerminal({
    name: `${instance.name || instance.id} SSH (${instance.accountId})`,
    pty: shellPseudoterminal(client),
    iconPath: new vscode.ThemeIcon('remote'),
    isTransient: true,
  });
  terminal.show();
}

function shellPseudoterminal(client: Client): vscode.Pseudoterminal {
  const written = new vscode.EventEmitter<string>();
  const closed = new vscode.EventEmitter<void>();
  const decoder = new StringDecoder('utf8');
  let channel: ClientChannel | undefined;
  return {
    onDidWrite: written.event,
    onDidClose: closed.event,
    open(dimensions) {
      const window = { term: 'xterm-256color', rows: dimensions?.rows ?? 24, cols: dimensions?.columns ?? 80 };
      client.shell(window, (error, stream) => {
        if (error) {
          written.fire(endedLine(`The server refused a shell: ${error.message}`));
          client.end();
          return;
        }
        channel = stream;
        stream.on('data', (data: Buffer) => written.fire(decoder.write(data)));
        stream.stderr.on('data', (data: Buffer) => written.fire(data.toString('utf8')));
        stream.on('close', () => {
          written.fire(endedLine('The SSH session ended'));
          client.end();
        });
      });
    },
    handleInput: (data) => channel?.write(data),
    setDimensions: (dimensions) => channel?.setWindow(dimensions.rows, dimensions.columns, 0, 0),
    close() {
      client.end();
      written.dispose();
      closed.dispose();
    },
  };
}
