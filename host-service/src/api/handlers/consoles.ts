// The console requests: open a VM's serial, SSH or VNC console, then write, resize, acknowledge and
// close it. Consoles belong to the connection that opened them and close with it.
import {
  ConsolesAckRequest,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  HostErrorCode,
} from '@vlm/schemas/src/host-protocol';
import { ResponseError } from 'vscode-jsonrpc/node';
import { serialPtyPath } from '../../consoles/serial-consoles';
import { SshConsoleError, sshForwardPort } from '../../consoles/ssh-console';
import { vncDisplayPort } from '../../consoles/vnc-console';
import type { HandlerTable } from '../handler-table';
import { hostError } from '../../host-errors';
import { type HandlerContext, throwIfCancelled } from './handler-context';

const inputName = { serial: 'serial console', ssh: 'SSH session', vnc: 'VNC display' } as const;

export function registerConsoleHandlers(table: HandlerTable, context: HandlerContext): void {
  const { hypervisor, consoles } = context.dependencies;

  table.on(ConsolesOpenRequest.type, async ({ vm, kind, columns, rows, term, flowControl }, { token, connection, session }) => {
    throwIfCancelled(token);
    const domain = await context.requireDomain(vm);
    if (domain.state !== 'running' && domain.state !== 'paused' && domain.state !== 'blocked') {
      throw hostError(HostErrorCode.InvalidState, `VM "${vm}" is ${domain.state}: only a running VM has a console.`, { field: '/vm' });
    }
    const xml = await context.hypervisorCall(() => hypervisor.getDomainXml(vm), '/vm');
    throwIfCancelled(token);
    session.cleanups.set('consoles', () => consoles.closeAllOf(connection));
    // Asked when a write misses its deadline: the VM's state says why input is not taken.
    const whyStalled = async (): Promise<string> => {
      const now = await hypervisor.getDomain(vm);
      if (!now) return `VM "${vm}" no longer exists`;
      if (now.state === 'paused') return `VM "${vm}" is paused: its console takes no input until it is resumed`;
      if (now.state === 'running') return `the guest of VM "${vm}" is not reading its ${inputName[kind ?? 'serial']}`;
      return `VM "${vm}" is ${now.state}`;
    };
    const options = { whyStalled, ...(flowControl === undefined ? {} : { flowControl }) };
    if (kind === 'ssh') {
      const port = sshForwardPort(xml);
      if (port === undefined)
        throw hostError(HostErrorCode.InvalidState, `VM "${vm}" has no SSH port forwarded on 127.0.0.1.`, { field: '/vm' });
      let consoleId: string;
      try {
        consoleId = await consoles.openSsh(
          {
            vm,
            uuid: domain.uuid,
            port,
            ...(term === undefined ? {} : { term }),
            ...(columns === undefined ? {} : { columns }),
            ...(rows === undefined ? {} : { rows }),
          },
          connection,
          options,
        );
      } catch (error) {
        if (error instanceof SshConsoleError) throw hostError(HostErrorCode.InvalidState, error.message, { field: '/vm' });
        throw error;
      }
      return { consoleId };
    }
    if (kind === 'vnc') {
      const port = vncDisplayPort(xml);
      if (port === undefined)
        throw hostError(
          HostErrorCode.InvalidState,
          `VM "${vm}" has no VNC display: only a VM defined with graphics has a graphical console.`,
          {
            field: '/vm',
          },
        );
      try {
        return { consoleId: await consoles.openVnc(vm, port, connection, options) };
      } catch (error) {
        if (error instanceof ResponseError) throw error;
        throw hostError(HostErrorCode.InvalidState, (error as Error).message, { field: '/vm' });
      }
    }
    const path = serialPtyPath(xml);
    if (path === undefined) {
      throw hostError(HostErrorCode.InvalidState, `VM "${vm}" has no serial console on a pty.`, { field: '/vm' });
    }
    return { consoleId: await consoles.openSerial(vm, path, connection, options) };
  });
  table.on(ConsolesWriteRequest.type, async ({ consoleId, data }, { connection }) => ({
    written: await consoles.write(consoleId, data, connection),
  }));
  table.on(ConsolesResizeRequest.type, async ({ consoleId, columns, rows }, { connection }) => {
    consoles.resize(consoleId, columns, rows, connection);
    return {};
  });
  table.on(ConsolesAckRequest.type, async ({ consoleId, bytes }, { connection }) => {
    consoles.acknowledge(consoleId, bytes, connection);
    return {};
  });
  table.on(ConsolesCloseRequest.type, async ({ consoleId }, { connection }) => {
    consoles.close(consoleId, connection);
    return {};
  });
}
