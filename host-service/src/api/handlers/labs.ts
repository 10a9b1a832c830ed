// The lab requests: list, read, plan, apply, destroy, sweep and export (as a lab file or Terraform). Applying and destroying
// are the deploy engine's; this module checks and answers.
import type { CancellationToken } from 'vscode-jsonrpc/node';
import { imageNames, type Lab } from '@vlm/schemas';
import {
  HostErrorCode,
  type LabDetails,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsExportRequest,
  LabsExportTerraformRequest,
  LabsGetRequest,
  LabsListRequest,
  LabsPlanRequest,
  type LabSummary,
  LabsSweepRequest,
} from '@vlm/schemas/src/host-protocol';
import { recordedLab } from '../../state/state-shape';
import type { HandlerTable } from '../handler-table';
import { hostError } from '../../host-errors';
import { checkLab } from '../../deploy/lab-checks';
import { planLab } from '../../deploy/lab-plan';
import { exportTerraform } from '../../terraform/terraform-export';
import type { ImageFiles } from '../../images/image-store';
import { networkConflicts, occupiedRanges } from '../../deploy/network-surroundings';
import { refuseWhatNeedsRoot } from '../../deploy/preflight-checks';
import { type HandlerContext, throwIfCancelled, toVmSummary, withIdleShutdown } from './handler-context';

export function registerLabHandlers(table: HandlerTable, context: HandlerContext): void {
  const { hypervisor, store, deployer } = context.dependencies;

  table.on(LabsListRequest.type, async () => {
    const labs: LabSummary[] = Object.values(store.state.labs).map((lab) => ({
      name: lab.name,
      status: lab.status,
      vmCount: lab.definition.vms.length,
      updatedAt: lab.updatedAt,
    }));
    return { labs };
  });

  table.on(LabsGetRequest.type, async ({ name }, { token }) => {
    const record = recordedLab(store.state.labs, name);
    if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${name}" on this host.`, { field: '/name' });
    const domains = await context.hypervisorCall(() => hypervisor.listDomains());
    throwIfCancelled(token);
    const details: LabDetails = {
      name: record.name,
      status: record.status,
      vmCount: record.definition.vms.length,
      updatedAt: record.updatedAt,
      definition: structuredClone(record.definition) as Lab,
      resources: structuredClone(record.resources) as LabDetails['resources'],
      deployLog: structuredClone(record.deployLog) as LabDetails['deployLog'],
      vms: domains
        .filter((domain) => context.isLabDomain(domain, name))
        .map((domain) => withIdleShutdown(toVmSummary(domain), context.dependencies.idleShutdown)),
    };
    return details;
  });

  table.on(LabsPlanRequest.type, ({ lab }, { token }) => planChecked(context, lab, token));

  table.on(LabsApplyRequest.type, async ({ lab }, { token }) => {
    throwIfCancelled(token);
    const cancellation = new AbortController();
    const listener = token.onCancellationRequested(() => cancellation.abort());
    try {
      return await deployer.apply(lab, cancellation.signal);
    } finally {
      listener.dispose();
    }
  });
  table.on(LabsDestroyRequest.type, async ({ name }, { token }) => {
    throwIfCancelled(token);
    return deployer.destroy(name);
  });

  table.on(LabsSweepRequest.type, async ({ remove }, { token }) => {
    throwIfCancelled(token);
    return deployer.sweep(remove === true);
  });

  table.on(LabsExportRequest.type, async ({ name }) => {
    const record = recordedLab(store.state.labs, name);
    if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${name}" on this host.`, { field: '/name' });
    return { lab: structuredClone(record.definition) as Lab };
  });

  table.on(LabsExportTerraformRequest.type, async ({ name }, { token }) => {
    const record = recordedLab(store.state.labs, name);
    if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${name}" on this host.`, { field: '/name' });
    const lab = structuredClone(record.definition) as Lab;
    const { domainType } = await context.hypervisorCall(() => hypervisor.hostInfo());
    const images = new Map<string, ImageFiles | undefined>();
    for (const image of new Set(lab.vms.map((vm) => vm.os_image))) images.set(image, await context.dependencies.images.files(image));
    throwIfCancelled(token);
    const exported = exportTerraform({
      lab,
      record,
      volumePool: deployer.volumePool,
      domainType,
      images,
      nvramPathFor: (domain) => deployer.nvramPathFor(domain),
    });
    return { fileName: exported.fileName, text: exported.text, unexpressed: exported.unexpressed };
  });
}

/** The plan of a lab that passes the lab rules and collides with nothing on this host. */
async function planChecked(context: HandlerContext, lab: Lab, token: CancellationToken) {
  const { hypervisor, store, deployer, images } = context.dependencies;
  const problems = checkLab(lab, store.state, imageNames(await images.catalog()));
  if (problems.length > 0) {
    const first = problems[0] as { field: string; message: string };
    throw hostError(
      HostErrorCode.InvalidLab,
      `The lab "${lab.name}" has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${first.field}: ${first.message}` +
        (problems.length > 1 ? ' (and more, see data.problems).' : '.'),
      { field: first.field, problems },
    );
  }
  const [domains, networks] = await Promise.all([
    context.hypervisorCall(() => hypervisor.listDomains()),
    context.hypervisorCall(() => hypervisor.listNetworks()),
  ]);
  throwIfCancelled(token);
  const { plan, conflicts } = planLab({
    lab,
    record: recordedLab(store.state.labs, lab.name),
    domains,
    networks,
    volumePool: deployer.volumePool,
  });
  const info = await context.hypervisorCall(() => hypervisor.hostInfo());
  const { driver } = info;
  refuseWhatNeedsRoot(lab, info);
  conflicts.push(
    ...networkConflicts(lab, await context.hypervisorCall(() => occupiedRanges({ lab, state: store.state, hypervisor, driver }))),
  );
  if (conflicts.length > 0) {
    const first = conflicts[0] as { field: string; message: string };
    throw hostError(HostErrorCode.AlreadyExists, `The lab "${lab.name}" cannot be planned: ${first.field}: ${first.message}.`, {
      field: first.field,
      problems: conflicts,
    });
  }
  return plan;
}
