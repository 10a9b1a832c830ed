// "Show VM Details" on a running VM's row: a webview panel per VM with its state and small live
// charts. vm-metrics-relay.ts does the work; this wires it to the webview and the host connection.
import * as vscode from 'vscode';
import { MetricsGetRequest, MetricsNotification, MetricsSubscribeRequest } from '@vlm/schemas/src/host-protocol';
import { dashboardPanelHtml, dashboardPanelOptions } from '../dashboard/dashboard-panel-page';
import type { ExtensionScope } from '../extension-scope';
import type { VmRow } from '../labs-tree-model';
import { type MetricsLink, MetricsFollowers, restoredTarget, type VmDetailsTarget, VmDetailsSession } from './vm-metrics-relay';

export const vmDetailsViewType = 'vlm.vmDetails';

export function registerVmDetailsPanel(scope: ExtensionScope): void {
  const warn = (line: string) => scope.log.warn(`VM details panel: ${line}`);
  const followers = new MetricsFollowers(warn);
  const open = new Map<string, vscode.WebviewPanel>();
  const key = (target: VmDetailsTarget) => `${target.host}\u0000${target.domain}`;

  const follower = (target: VmDetailsTarget) => {
    const connection = scope.hosts.get(target.host)?.messageConnection;
    if (!connection) return `Host ${target.host} is not connected: no figures.`;
    return followers.of(
      connection,
      (): MetricsLink => ({
        get: (domain) => connection.sendRequest(MetricsGetRequest.type, { vm: domain, history: true }),
        follow: (follow) => connection.sendRequest(MetricsSubscribeRequest.type, { follow }),
        onBatch: (listener) => connection.onNotification(MetricsNotification.type, listener),
        onClose: (listener) => connection.onClose(listener),
      }),
    );
  };

  const adopt = (panel: vscode.WebviewPanel, target: VmDetailsTarget): void => {
    open.set(key(target), panel);
    panel.title = `VM ${target.vm}`;
    panel.webview.options = dashboardPanelOptions(scope);
    panel.webview.html = dashboardPanelHtml(scope, panel.webview, 'vm-details', 'VM Details');
    const session = new VmDetailsSession({
      target,
      follower: () => follower(target),
      post: (message) => void panel.webview.postMessage(message),
      warn,
    });
    const subscriptions = [
      panel.webview.onDidReceiveMessage((raw) => session.handle(raw)),
      // Live samples only while someone can see them.
      panel.onDidChangeViewState(() => (panel.visible ? void session.show() : session.hide())),
    ];
    panel.onDidDispose(() => {
      session.hide();
      for (const subscription of subscriptions) subscription.dispose();
      if (open.get(key(target)) === panel) open.delete(key(target));
    });
  };

  const show = (row: unknown): void => {
    const vm = row as VmRow | undefined;
    if (vm?.kind !== 'vm') return;
    const target: VmDetailsTarget = { host: vm.hostName, vm: vm.vmName, domain: vm.domain };
    if (vm.labName) target.lab = vm.labName;
    const existing = open.get(key(target));
    if (existing) existing.reveal();
    else
      adopt(
        vscode.window.createWebviewPanel(vmDetailsViewType, `VM ${target.vm}`, vscode.ViewColumn.Active, dashboardPanelOptions(scope)),
        target,
      );
  };

  scope.context.subscriptions.push(
    vscode.commands.registerCommand('vlm.showVmDetails', show),
    vscode.window.registerWebviewPanelSerializer(vmDetailsViewType, {
      deserializeWebviewPanel: async (panel, state) => {
        const target = restoredTarget(state);
        if (target) adopt(panel, target);
        else {
          warn('a restored panel did not name a VM; closed it.');
          panel.dispose();
        }
      },
    }),
    {
      dispose: () => {
        for (const panel of [...open.values()]) panel.dispose();
      },
    },
  );
}
