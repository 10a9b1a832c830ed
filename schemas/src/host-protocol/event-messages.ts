// The host's event stream: subscribe (with replay after a reconnect), then events as notifications.
import { notification, request } from './message-types';
import type { EventsSubscribeParams, EventsSubscribeResult, HostEvent } from './shapes';

/**
 * Starts (or resumes) this connection's event stream. With `afterSequence`, the events after it
 * that the host still keeps are sent first, in order, before the answer; then live ones follow.
 */
export namespace EventsSubscribeRequest {
  export const method = 'vlm/events/subscribe' as const;
  export const type = request<EventsSubscribeParams, EventsSubscribeResult>(method);
}
export namespace EventNotification {
  export const method = 'vlm/events/event' as const;
  export const type = notification<HostEvent>(method);
}
