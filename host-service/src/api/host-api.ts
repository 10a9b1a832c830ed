// The host API: one handler per request type, registered area by area from api/handlers/.
// Params arrive already validated against host-protocol.schema.json; handlers still check
// everything that depends on state.
import { HandlerTable } from './handler-table';
import { registerConsoleHandlers } from './handlers/consoles';
import { registerEventHandlers } from './handlers/events';
import { HandlerContext, type HostApiDependencies } from './handlers/handler-context';
import { registerHostInfoHandlers } from './handlers/host-info';
import { registerImageHandlers } from './handlers/images';
import { registerLabHandlers } from './handlers/labs';
import { registerMetricsHandlers } from './handlers/metrics';
import { registerRunningTimeHandlers } from './handlers/running-time';
import { registerSnapshotHandlers } from './handlers/snapshots';
import { registerLabSnapshotHandlers } from './handlers/lab-snapshots';
import { registerVmHandlers } from './handlers/vms';

export function createHostApi(dependencies: HostApiDependencies): HandlerTable {
  const table = new HandlerTable();
  const context = new HandlerContext(dependencies);
  registerHostInfoHandlers(table, context);
  registerLabHandlers(table, context);
  registerVmHandlers(table, context);
  registerSnapshotHandlers(table, context);
  registerLabSnapshotHandlers(table, context);
  registerImageHandlers(table, context);
  registerConsoleHandlers(table, context);
  registerEventHandlers(table, context);
  registerRunningTimeHandlers(table, context);
  registerMetricsHandlers(table, context);
  return table;
}
