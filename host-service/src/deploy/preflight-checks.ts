// What can refuse an apply is checked before anything is made: the lab's own rules, cloud_init
// that cannot be merged into a seed, a playbook that cannot run, an image not on this host, and
// conflicts with what libvirt and the host already hold.
import { imageNames, type Lab } from '@vlm/schemas';
import { HostErrorCode, type PlanResult } from '@vlm/schemas/src/host-protocol';
import { checkLab } from './lab-checks';
import { type HostError, hostError } from '../host-errors';
import type { ImageFiles, ImageStore } from '../images/image-store';
import type { DomainSummary, HostInfo } from '../libvirt/hypervisor';
import type { ReadonlyHostState } from '../state/state-store';
import { recordedLab } from '../state/state-shape';
import { PlaybookInputError, validatePlaybook } from '../provision/ansible-playbook';
import { CloudInitError, mergeCloudConfig } from './cloud-config';
import type { DeployContext } from './deploy-context';
import { planLab } from './lab-plan';
import { networkConflicts, occupiedRanges } from './network-surroundings';
import { type SessionProblem, sessionProblems } from '../libvirt/libvirt-connection-kind';

/** Throws InvalidLab for the first problem of the lab file, its cloud_init or its playbooks. */
export async function refuseInvalidLab(lab: Lab, state: ReadonlyHostState, images: ImageStore): Promise<void> {
  const problems = checkLab(lab, state, imageNames(await images.catalog()));
  if (problems.length > 0) {
    const first = problems[0] as { field: string; message: string };
    throw hostError(
      HostErrorCode.InvalidLab,
      `The lab "${lab.name}" has ${problems.length} problem(s): ${first.field}: ${first.message}.`,
      {
        field: first.field,
        problems,
      },
    );
  }
  // cloud_init that cannot be merged into the seed is refused before anything is made.
  for (const [index, vm] of lab.vms.entries()) {
    if (vm.cloud_init === undefined) continue;
    try {
      mergeCloudConfig({ hostname: vm.name, sshAuthorizedKeys: [], cloudInit: vm.cloud_init });
    } catch (error) {
      if (!(error instanceof CloudInitError)) throw error;
      throw oneProblem(lab, `/lab/vms/${index}/cloud_init`, error.message);
    }
  }
  // A playbook that cannot run is refused before anything is made.
  for (const [index, vm] of lab.vms.entries()) {
    if (vm.ansible_config_yaml === undefined) continue;
    try {
      validatePlaybook(vm.ansible_config_yaml, vm.name);
    } catch (error) {
      if (!(error instanceof PlaybookInputError)) throw error;
      throw oneProblem(lab, `/lab/vms/${index}/ansible_config_yaml`, error.message);
    }
  }
}

function oneProblem(lab: Lab, field: string, message: string): HostError {
  return hostError(HostErrorCode.InvalidLab, `The lab "${lab.name}" has 1 problem(s): ${field}: ${message}.`, {
    field,
    problems: [{ field, message }],
  });
}

/**
 * Throws InvalidLab, before anything is made, when the lab needs what a libvirt without root
 * (qemu:///session) cannot give.
 */
export function refuseWhatNeedsRoot(lab: Lab, info: Pick<HostInfo, 'libvirtConnection'>): void {
  if (info.libvirtConnection !== 'session') return;
  const problems = sessionProblems(lab);
  if (problems.length === 0) return;
  const first = problems[0] as SessionProblem;
  throw hostError(
    HostErrorCode.InvalidLab,
    `The lab "${lab.name}" cannot run on qemu:///session: ${first.field}: ${first.message}.` +
      (problems.length > 1 ? ' (and more, see data.problems).' : ''),
    { field: first.field, problems },
  );
}

/**
 * The image files of every VM, by image name; throws when one is not on this host yet. Empty on
 * the test driver, which boots nothing.
 */
export async function requireImages(images: ImageStore, lab: Lab, driver: HostInfo['driver']): Promise<Map<string, ImageFiles>> {
  const found = new Map<string, ImageFiles>();
  if (driver === 'test') return found;
  for (const [index, vm] of lab.vms.entries()) {
    if (found.has(vm.os_image)) continue;
    const files = await images.files(vm.os_image);
    if (!files?.disk && !files?.kernel) {
      throw hostError(HostErrorCode.InvalidState, `The image "${vm.os_image}" is not on this host yet: pull it first (vlm/images/pull).`, {
        field: `/lab/vms/${index}/os_image`,
      });
    }
    found.set(vm.os_image, files);
  }
  return found;
}

/** The lab's plan and the domains libvirt has; throws AlreadyExists on the first conflict. */
export async function planWithoutConflicts(
  context: DeployContext,
  lab: Lab,
  driver: HostInfo['driver'],
): Promise<{ plan: PlanResult; domains: DomainSummary[] }> {
  const { hypervisor, store } = context.options;
  const [domains, networks] = await Promise.all([hypervisor.listDomains(), hypervisor.listNetworks()]);
  const { plan, conflicts } = planLab({
    lab,
    record: recordedLab(store.state.labs, lab.name),
    domains,
    networks,
    volumePool: context.volumePool,
  });
  conflicts.push(...networkConflicts(lab, await occupiedRanges({ lab, state: store.state, hypervisor, driver })));
  if (conflicts.length > 0) {
    const first = conflicts[0] as { field: string; message: string };
    throw hostError(HostErrorCode.AlreadyExists, `The lab "${lab.name}" cannot be applied: ${first.field}: ${first.message}.`, {
      field: first.field,
      problems: conflicts,
    });
  }
  return { plan, domains };
}
