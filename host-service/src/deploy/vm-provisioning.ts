// Provisioning a ready VM: its Ansible playbook runs over the SSH forward with the lab's key,
// each output line going to the deploy log. The run sees nothing of the data directory.
import type { DeployContext } from './deploy-context';
import { runPlaybook } from '../provision/ansible-playbook';
import type { StartedVm } from './vm-readiness';

export async function provisionVm(context: DeployContext, started: StartedVm, playbook: string): Promise<void> {
  const { lab, vm, domain } = started;
  await context.log(lab, 'info', `Provisioning ${domain} with its Ansible playbook.`, vm);
  await runPlaybook({
    playbook,
    host: vm,
    port: started.sshPort,
    user: 'root',
    privateKeyPath: started.key.privateKeyPath,
    // Nothing of the data directory (keys, state, other labs) is visible to the run.
    hiddenPaths: [context.options.dataDirectory],
    timeoutMs: context.provisionTimeoutMs,
    // Lines are logged in order (the store serializes updates); a failed write is not the playbook's failure.
    onLine: (line) => void context.log(lab, 'info', line, vm).catch(() => undefined),
    signal: started.signal,
  });
  started.stop();
  await context.log(lab, 'info', `${domain} is provisioned.`, vm);
}
