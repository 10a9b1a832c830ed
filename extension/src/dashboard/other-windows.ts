// One line for each dashboard panel: call `onChange` when another VS Code window changes the
// dashboard file, so the panel can show it. Disposed with the panel.
import type { DashboardData } from '@vlm/webviews/src/store/dashboard-data';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import { type DashboardWatcher, watchDashboardFile } from '@vlm/webviews/src/store/dashboard-watch';

export function watchOtherWindows(
  store: () => Promise<DashboardStore>,
  onChange: (data: DashboardData) => void,
  warn: (line: string) => void,
): { dispose(): void } {
  let watcher: DashboardWatcher | undefined;
  let disposed = false;
  store().then(
    (opened) => {
      if (!disposed)
        watcher = watchDashboardFile(opened, onChange, (error) => warn(`Another window's change to the dashboard: ${error.message}`));
    },
    (error: unknown) => warn(`Not watching the dashboard for other windows' changes: ${(error as Error).message}`),
  );
  return {
    dispose: () => {
      disposed = true;
      watcher?.close();
    },
  };
}
