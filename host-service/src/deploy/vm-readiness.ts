// A started VM is ready when SSH on its loopback forward accepts the lab's key; how long that
// took and the guest's host key go into the deploy log.
import type { DeployContext } from './deploy-context';
import type { ServiceSshKey } from './service-ssh-key';
import { waitForSsh } from './ssh-readiness';

/** One started VM of a lab, as the readiness wait and the provisioning run see it. */
export interface StartedVm {
  lab: string;
  /** The VM's name in the lab file. */
  vm: string;
  /** Its libvirt domain. */
  domain: string;
  sshPort: number;
  key: ServiceSshKey;
  /** Aborts the wait or the run. */
  signal: AbortSignal;
  /** Throws when the apply stops; called once the wait or run is over. */
  stop: () => void;
}

export async function waitUntilReady(context: DeployContext, started: StartedVm): Promise<void> {
  const { lab, vm, domain, sshPort } = started;
  await context.log(lab, 'info', `Waiting for SSH on 127.0.0.1:${sshPort} (up to ${Math.round(context.readinessTimeoutMs / 1000)} s).`, vm);
  const ready = await waitForSsh({
    host: '127.0.0.1',
    port: sshPort,
    user: 'root',
    privateKey: started.key.privateKey,
    timeoutMs: context.readinessTimeoutMs,
    signal: started.signal,
  });
  started.stop();
  await context.log(
    lab,
    'info',
    `${domain} is ready: SSH on 127.0.0.1:${sshPort} accepted the lab's key after ${(ready.elapsedMs / 1000).toFixed(1)} s (${ready.attempts} attempt(s)); host key SHA256:${ready.hostKeySha256}.`,
    vm,
  );
}
