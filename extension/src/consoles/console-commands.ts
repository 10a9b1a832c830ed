// The console commands of the tree's VM and lab rows. Failures go through the log with
// "Show Log". They act on hosts from user settings, so Restricted Mode leaves them on (command-trust.ts).
import * as vscode from 'vscode';
import type { ExtensionScope } from '../extension-scope';
import { markWalkthroughEvent } from '../first-run-view';
import { ConsoleTerminals, type ConsoleHosts, type VmTarget } from './console-terminals';

interface LabTarget {
  hostName: string;
  labName: string;
}

function isVmTarget(value: unknown): value is VmTarget {
  return typeof value === 'object' && value !== null && 'hostName' in value && 'labName' in value && 'vmName' in value;
}

function isLabTarget(value: unknown): value is LabTarget {
  return typeof value === 'object' && value !== null && 'hostName' in value && 'labName' in value;
}

export function registerConsoleCommands(scope: ExtensionScope, hosts: ConsoleHosts): void {
  const terminals = new ConsoleTerminals(hosts);
  const register = (command: string, action: string, handler: (target: unknown) => Promise<void>) =>
    vscode.commands.registerCommand(command, async (target: unknown) => {
      try {
        await handler(target);
      } catch (error) {
        await scope.log.reportError(action, error);
      }
    });
  scope.context.subscriptions.push(
    terminals,
    register('vlm.vm.openSerialConsole', 'open the serial console', async (target) => {
      if (!isVmTarget(target)) return;
      await terminals.openConsole(target, 'serial');
      markWalkthroughEvent('consoleOpened');
    }),
    register('vlm.vm.openSshTerminal', 'open an SSH terminal', async (target) => {
      if (!isVmTarget(target)) return;
      await terminals.openConsole(target, 'ssh');
      markWalkthroughEvent('consoleOpened');
    }),
    register('vlm.lab.openAllConsoles', 'open the consoles of the lab', async (target) => {
      if (!isLabTarget(target)) return;
      const problems = await terminals.openLabConsoles(target.hostName, target.labName);
      if (problems.length === 0) {
        markWalkthroughEvent('consoleOpened');
        return;
      }
      for (const problem of problems) scope.log.warn(`Console of ${problem}`);
      const choice = await vscode.window.showWarningMessage(
        `Some consoles of lab "${target.labName}" did not open: ${problems.join('; ')}`,
        'Show Log',
      );
      if (choice === 'Show Log') scope.log.show();
    }),
  );
}
