// "Connect in New Window": hands a VM over to Microsoft's Remote-SSH, as cloud toolkits hand over
// their instances. Remote-SSH resolves hosts from one ssh_config file (`remote.SSH.configFile`),
// so VLM writes its own (~/.ssh/vlm_config: a Host per VM, ProxyJump through the VM's remote
// host, the user's config included) and opens `vscode.newWindow` on `ssh-remote+<alias>`.
import * as vscode from 'vscode';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import type { ExtensionScope } from '../extension-scope';
import { vmWithSshPort } from '../vm-actions';
import { includedUserConfig, managedSshConfig, managedSshConfigPath, vmSshAlias, vmSshWords, type VmSshTarget } from './vm-ssh-access';

export const remoteSshExtension = 'ms-vscode-remote.remote-ssh';
const previousConfigKey = 'vlm.remoteSsh.previousConfigFile';

/** Every VM with an SSH port on the connected hosts, so windows opened earlier still resolve. */
function sshTargets(scope: ExtensionScope): VmSshTarget[] {
  return scope.hosts.all().flatMap((connection) => {
    const address = connection.host.address;
    return connection.snapshot().labs.flatMap((lab) =>
      lab.vms.flatMap((vm) => {
        if (vm.sshPort === undefined || vm.domain === undefined) return [];
        const target: VmSshTarget = {
          hostName: connection.host.name,
          domain: vm.domain,
          sshPort: vm.sshPort,
          ...(address.kind === 'ssh' ? { hostDestination: address.destination } : {}),
        };
        try {
          vmSshWords(target);
          return [target];
        } catch {
          return []; // a name ssh_config cannot hold: left out, and refused if it is the one asked for
        }
      }),
    );
  });
}

async function offerRemoteSsh(row: unknown): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `Connect in New Window opens the VM through Microsoft's Remote - SSH extension (${remoteSshExtension}), which is not installed. Install it, or copy an ssh command for a terminal.`,
    'Show Remote - SSH',
    'Copy SSH Command',
  );
  if (choice === 'Show Remote - SSH') await vscode.commands.executeCommand('workbench.extensions.search', `@id:${remoteSshExtension}`);
  if (choice === 'Copy SSH Command') await vscode.commands.executeCommand('vlm.vm.copySshCommand', row);
}

/** Points remote.SSH.configFile at VLM's file once the user agrees; false when they do not. */
async function useManagedConfig(scope: ExtensionScope, path: string, current: string): Promise<boolean> {
  if (current === path) return true;
  const answer = await vscode.window.showInformationMessage(
    `Remote - SSH reads its hosts from one SSH config file. Point it at VLM's ${path}?`,
    {
      modal: true,
      detail: `That file lists your lab VMs (through their hosts) and includes ${current || '~/.ssh/config'}, so your other hosts stay as they are. This sets remote.SSH.configFile in your user settings.`,
    },
    "Use VLM's SSH Config",
  );
  if (answer !== "Use VLM's SSH Config") return false;
  await scope.context.globalState.update(previousConfigKey, current || undefined);
  await vscode.workspace.getConfiguration('remote.SSH').update('configFile', path, vscode.ConfigurationTarget.Global);
  return true;
}

export async function connectInNewWindow(scope: ExtensionScope, row: unknown): Promise<void> {
  const vm = vmWithSshPort(row);
  if (!vm) return;
  if (!vscode.extensions.getExtension(remoteSshExtension)) {
    await offerRemoteSsh(row);
    return;
  }
  const address = scope.hosts.get(vm.hostName)?.host.address;
  const target: VmSshTarget = {
    hostName: vm.hostName,
    domain: vm.domain,
    sshPort: vm.sshPort,
    ...(address?.kind === 'ssh' ? { hostDestination: address.destination } : {}),
  };
  vmSshWords(target); // refuses a name that cannot go into ssh_config, with why
  const home = homedir();
  const path = managedSshConfigPath(home);
  const current = vscode.workspace.getConfiguration('remote.SSH').inspect<string>('configFile')?.globalValue ?? '';
  const include = includedUserConfig(current, path, scope.context.globalState.get<string>(previousConfigKey), home);
  const others = sshTargets(scope).filter((other) => vmSshAlias(other) !== vmSshAlias(target));
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, managedSshConfig([target, ...others], include), { mode: 0o600 });
  await chmod(path, 0o600);
  if (!(await useManagedConfig(scope, path, current))) return;
  scope.log.info(`Opening ${vm.vmName} on ${vm.hostName} in a new window through Remote - SSH (host ${vmSshAlias(target)} in ${path}).`);
  await vscode.commands.executeCommand('vscode.newWindow', { remoteAuthority: `ssh-remote+${vmSshAlias(target)}` });
}
