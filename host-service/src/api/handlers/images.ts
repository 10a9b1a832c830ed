// The image requests: list what the host has, and pull an image with work-done progress when the
// client asked for it.
import { ImagesListRequest, ImagesPullRequest, WorkDoneProgress, type WorkDoneProgressValue } from '@vlm/schemas/src/host-protocol';
import type { HandlerTable } from '../handler-table';
import { type HandlerContext, throwIfCancelled } from './handler-context';

export function registerImageHandlers(table: HandlerTable, context: HandlerContext): void {
  const { images } = context.dependencies;

  table.on(ImagesListRequest.type, async () => ({ images: await images.list() }));
  table.on(ImagesPullRequest.type, async ({ name, workDoneToken }, { token, connection }) => {
    throwIfCancelled(token);
    const cancellation = new AbortController();
    const listener = token.onCancellationRequested(() => cancellation.abort());
    const progress = (value: WorkDoneProgressValue) => {
      if (workDoneToken !== undefined) void connection.sendProgress(WorkDoneProgress.type, workDoneToken, value).catch(() => undefined);
    };
    progress({ kind: 'begin', title: `Pulling image ${name}` });
    try {
      const pulled = await images.pull(name, {
        signal: cancellation.signal,
        onProgress: ({ message, percentage }) => progress({ kind: 'report', message, ...(percentage === undefined ? {} : { percentage }) }),
      });
      progress({ kind: 'end', message: `${name} is present` });
      return pulled;
    } catch (error) {
      progress({ kind: 'end', message: `${name} was not pulled` });
      throw error;
    } finally {
      listener.dispose();
    }
  });
}
