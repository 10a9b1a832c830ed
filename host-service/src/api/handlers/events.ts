// vlm/events/subscribe: replays what a reconnecting client missed, then streams every new event to
// it as a notification until it subscribes again or disconnects.
import { EventNotification, EventsSubscribeRequest } from '@vlm/schemas/src/host-protocol';
import type { HandlerTable } from '../handler-table';
import type { HandlerContext } from './handler-context';

export function registerEventHandlers(table: HandlerTable, context: HandlerContext): void {
  const { events } = context.dependencies;

  table.on(EventsSubscribeRequest.type, async ({ afterSequence }, { connection, session }) => {
    // Replay and start listening in the same turn, so no event falls between them.
    const { events: missed, result } = events.since(afterSequence);
    session.stopEvents?.();
    for (const event of missed) void connection.sendNotification(EventNotification.type, event).catch(() => undefined);
    session.stopEvents = events.listen((event) => {
      void connection.sendNotification(EventNotification.type, event).catch(() => undefined);
    });
    return result;
  });
}
