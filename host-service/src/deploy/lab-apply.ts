// Applying a lab file: pre-flight checks, the plan, then its execution. A changed lab is applied
// in place, as planned: removed VMs go with exactly their recorded domain, disk, seed and ports,
// and VMs whose definition changed are destroyed too (no live resizing); then removed and changed
// networks go, after the VMs that used them. The new definition is recorded once those removals
// are done, and everything added or replaced is made like in a first apply. Unchanged VMs are not
// touched. Every VM then starts, after the VMs it depends on, and is waited for and provisioned.
import { randomUUID } from 'node:crypto';
import type { Lab } from '@vlm/schemas';
import { HostErrorCode, type PlanResult, type PlanStep } from '@vlm/schemas/src/host-protocol';
import { fromHypervisorError, type HostError, hostError } from '../host-errors';
import type { ImageFiles } from '../images/image-store';
import { HypervisorError } from '../libvirt/hypervisor';
import { buildNetworkXml } from '../libvirt/network-xml';
import { recordedLab, setRecordedLab } from '../state/state-shape';
import type { DeployContext } from './deploy-context';
import { labDomainName, networkName } from './lab-resources';
import { allocatePorts } from './port-allocation';
import { planWithoutConflicts, refuseInvalidLab, refuseWhatNeedsRoot, requireImages } from './preflight-checks';
import { deleteNetwork, removeVm } from './resource-removal';
import type { ServiceSshKey } from './service-ssh-key';
import { runScheduled, type ScheduledStep, StepFailedError } from './step-scheduler';
import { createVm } from './vm-creation';
import { provisionVm } from './vm-provisioning';
import { waitUntilReady } from './vm-readiness';
import { ensureVolumePool } from './volume-pool';
import { creating } from './write-ahead';

/** One execution of a plan. */
interface ApplyRun {
  lab: Lab;
  steps: PlanStep[];
  domainType: 'kvm' | 'qemu';
  images: ReadonlyMap<string, ImageFiles>;
  /** Cancels the apply: no new step starts, readiness waits abort. */
  signal: AbortSignal;
}

/**
 * Cancelling through `signal` stops new steps, aborts readiness waits, lets running libvirt
 * calls finish and be recorded, and marks the lab failed.
 */
export async function applyLab(context: DeployContext, lab: Lab, signal: AbortSignal): Promise<PlanResult> {
  const { hypervisor, store } = context.options;
  await refuseInvalidLab(lab, store.state, context.options.images);
  const release = context.claim(lab.name);
  try {
    const info = await hypervisor.hostInfo();
    refuseWhatNeedsRoot(lab, info);
    // The test driver boots nothing; real guests need their image on this host.
    const images = await requireImages(context.options.images, lab, info.driver);
    const { plan, domains } = await planWithoutConflicts(context, lab, info.driver);
    // Unchanged and all running: nothing to do. A lab whose last apply failed may still have
    // VMs to start (or to wait for), which execute does without changing anything else.
    const record = recordedLab(store.state.labs, lab.name);
    const running = new Set(domains.filter((domain) => domain.state === 'running').map((domain) => domain.name));
    const allRunning = lab.vms.every((vm) => running.has(labDomainName(record, lab.name, vm.name)));
    if (plan.steps.length === 0 && allRunning && record?.status === 'running') {
      // Fields that need no step (description, tags, depends_on) are still recorded.
      if (JSON.stringify(record.definition) !== JSON.stringify(lab)) {
        await context.record(lab.name, (draft) => {
          draft.definition = lab;
        });
      }
      return plan;
    }
    await execute(context, { lab, steps: plan.steps, domainType: info.domainType, images, signal });
    return plan;
  } catch (error) {
    throw fromHypervisorError(error);
  } finally {
    release();
  }
}

function cancelledError(run: ApplyRun): HostError {
  return hostError(HostErrorCode.RequestCancelled, `The apply of "${run.lab.name}" was cancelled; what was made so far is recorded.`);
}

function checkpoint(run: ApplyRun): void {
  if (run.signal.aborted) throw cancelledError(run);
}

async function execute(context: DeployContext, run: ApplyRun): Promise<void> {
  const { lab } = run;
  const { hypervisor, dataDirectory } = context.options;
  await recordDeploying(context, lab);
  try {
    await context.log(lab.name, 'info', `Applying ${run.steps.length} step(s), up to ${context.parallelLimit} VM(s) at a time.`);
    await removeWhatGoes(context, run);
    await makeNetworks(context, run);
    await allocatePorts(context, lab);
    const poolPath = await context.withPool(() => ensureVolumePool(hypervisor, dataDirectory, context.volumePool));
    const serviceKey = run.images.size > 0 ? await context.labKey(lab.name) : undefined;
    if (serviceKey !== undefined && context.labRecord(lab.name)?.sshKey !== 'lab') {
      await context.log(
        lab.name,
        'warning',
        "This lab was deployed before each lab had its own SSH key: its VMs trust the data directory's shared key. Destroy and apply it to give it a key of its own.",
      );
    }
    await runScheduled(await vmSteps(context, run, poolPath, serviceKey), context.parallelLimit, run.signal);
    await context.log(lab.name, 'info', 'The lab is running.');
    await context.setStatus(lab.name, 'running');
  } catch (error) {
    throw await failed(context, run, error);
  }
}

/**
 * The lab is recorded before anything is made, so whatever is made is recorded under it. An
 * applied lab keeps its old definition until its removals are done (removeWhatGoes).
 */
async function recordDeploying(context: DeployContext, lab: Lab): Promise<void> {
  const now = new Date().toISOString();
  await context.options.store.update((draft) => {
    const existing = recordedLab(draft.labs, lab.name);
    if (existing) {
      existing.status = 'deploying';
      existing.updatedAt = now;
      existing.deployLog = [];
    } else {
      setRecordedLab(draft.labs, lab.name, {
        name: lab.name,
        status: 'deploying',
        definition: lab,
        createdAt: now,
        updatedAt: now,
        resources: { domains: [], volumes: [], networks: [], ports: [], seeds: [] },
        pending: [],
        deployLog: [],
        sshKey: 'lab',
      });
    }
  });
  context.options.events.publish({ type: 'lab-status', lab: lab.name, status: 'deploying' });
}

/**
 * Removals first, VMs before networks, so no network goes while a VM still uses it. Each VM goes
 * with exactly what is recorded for it; a replaced VM keeps its unchanged ports. Then the new
 * definition is recorded.
 */
async function removeWhatGoes(context: DeployContext, run: ApplyRun): Promise<void> {
  const { lab, steps } = run;
  const removedVms = new Set(steps.filter((item) => item.action === 'delete' && item.kind === 'domain').map((item) => item.labItem));
  const replacedVms = new Set(steps.filter((item) => item.action === 'change' && item.kind === 'domain').map((item) => item.labItem));
  const movedPorts = new Set(
    steps
      .filter((item) => item.action === 'change' && item.kind === 'port')
      .map((item) => `${item.labItem} ${item.resource.split(':')[0]}`),
  );
  for (const vm of [...removedVms, ...replacedVms]) {
    checkpoint(run);
    const replaced = steps.find((item) => item.action === 'change' && item.kind === 'domain' && item.labItem === vm);
    await context.log(
      lab.name,
      'info',
      replaced
        ? `Replacing ${replaced.resource}: ${replaced.changes.slice(1).join(', ')}.`
        : `Removing VM ${vm}: it is no longer in the lab file.`,
      vm,
    );
    await removeVm(context, lab.name, vm, (port) => removedVms.has(vm) || movedPorts.has(`${vm} ${port.kind}`));
  }
  for (const step of steps.filter((item) => (item.action === 'delete' || item.action === 'change') && item.kind === 'network')) {
    checkpoint(run);
    await deleteNetwork(context, lab.name, step.resource);
  }
  // From here on the lab holds nothing the new definition does not describe, so the new
  // definition is recorded: a failure later is resumed like a failed first apply.
  await context.record(lab.name, (record, draft) => {
    record.definition = lab;
    // Ports of VMs in neither file (left by an older failed apply) are freed too.
    const kept = new Set(lab.vms.map((vm) => vm.name));
    record.resources.ports = record.resources.ports.filter((port) => kept.has(port.vm));
    draft.allocated_ports = draft.allocated_ports.filter((port) => port.lab !== lab.name || kept.has(port.vm));
  });
}

/** Makes and starts the networks the plan adds or replaces. */
async function makeNetworks(context: DeployContext, run: ApplyRun): Promise<void> {
  const { lab, steps } = run;
  const { hypervisor } = context.options;
  for (const network of lab.networks ?? []) {
    checkpoint(run);
    if (!steps.some((step) => step.action !== 'delete' && step.kind === 'network' && step.labItem === network.name)) continue;
    // A replaced network was removed above, so it is made again under the current scheme's name.
    const name = networkName(lab.name, network.name);
    const uuid = randomUUID();
    const vlm = { lab: lab.name, network: network.name, dataDirectory: context.options.dataDirectory };
    await creating(
      context,
      lab.name,
      { kind: 'network', name, item: network.name, uuid },
      async () => {
        await hypervisor.defineNetwork(
          buildNetworkXml({ name, uuid, cidr: network.cidr, mode: network.mode ?? 'isolated', dhcp: network.dhcp ?? true, vlm }),
        );
      },
      (record) => record.resources.networks.push({ name, network: network.name, uuid }),
    );
    await hypervisor.startNetwork(name);
    await context.log(lab.name, 'info', `Network ${name} (${network.cidr}) is up.`);
  }
}

/** One step per VM: create it if the plan says so, start it, wait for it, provision it. */
async function vmSteps(
  context: DeployContext,
  run: ApplyRun,
  poolPath: string,
  serviceKey: ServiceSshKey | undefined,
): Promise<ScheduledStep[]> {
  const { lab, steps, images } = run;
  const { hypervisor } = context.options;
  // By lab VM: a replaced VM's step names the domain it had, its new one may be named anew.
  const created = new Set(steps.filter((step) => step.action !== 'delete' && step.kind === 'domain').map((step) => step.labItem));
  const states = new Map((await hypervisor.listDomains()).map((domain) => [domain.name, domain.state]));
  return lab.vms.map((vm) => ({
    name: vm.name,
    dependsOn: vm.depends_on ?? [],
    run: async (stepSignal) => {
      let name = labDomainName(context.labRecord(lab.name), lab.name, vm.name);
      const stop = () => {
        if (stepSignal.aborted) throw run.signal.aborted ? cancelledError(run) : new Error('stopped because another step failed');
      };
      const image = images.get(vm.os_image);
      if (created.has(vm.name)) {
        name = await createVm(context, lab, vm, { domainType: run.domainType, image, poolPath, serviceKey, stop });
      } else if (states.get(name) === 'running') {
        return;
      }
      stop();
      await hypervisor.start(name);
      await context.log(lab.name, 'info', `Started ${name}.`, vm.name);
      const sshPort = context.labRecord(lab.name)?.resources.ports.find((port) => port.vm === vm.name && port.kind === 'ssh')?.port;
      if (image === undefined || serviceKey === undefined || sshPort === undefined) return;
      const started = { lab: lab.name, vm: vm.name, domain: name, sshPort, key: serviceKey, signal: stepSignal, stop };
      await waitUntilReady(context, started);
      if (vm.ansible_config_yaml !== undefined) await provisionVm(context, started, vm.ansible_config_yaml);
    },
  }));
}

/** Logs the failure and marks the lab failed; returns the error the apply throws. */
async function failed(context: DeployContext, run: ApplyRun, error: unknown): Promise<unknown> {
  const { lab, signal } = run;
  const stepFailure = error instanceof StepFailedError ? error : undefined;
  const cause = stepFailure ? stepFailure.reason : error;
  const reason =
    cause instanceof HypervisorError ? (cause.libvirtMessage ?? cause.message) : cause instanceof Error ? cause.message : String(cause);
  const where = stepFailure ? ` at VM "${stepFailure.step}"` : '';
  await context
    .log(lab.name, 'error', signal.aborted ? `Apply cancelled by the client${where}: ${reason}` : `Apply failed${where}: ${reason}`)
    .catch(() => undefined);
  await context.setStatus(lab.name, 'failed').catch(() => undefined);
  if (signal.aborted) return cancelledError(run);
  if (stepFailure) {
    const converted = fromHypervisorError(cause);
    return hostError(converted.code as HostErrorCode, `Apply of "${lab.name}" failed at VM "${stepFailure.step}": ${converted.message}`, {
      field: `/lab/vms/${lab.vms.findIndex((vm) => vm.name === stepFailure.step)}`,
    });
  }
  return error;
}
