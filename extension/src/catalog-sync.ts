// The language server checks `os_image` against the images of the connected hosts (each host's
// catalog: the built-in images and the host's own), so an image a host adds passes the editor as
// it passes the host. Re-read when a host connects or reconnects (a host reads its catalog when it
// starts). No vscode: the extension wires it to its hosts and language client.
import { builtInImageCatalog } from '@vlm/schemas';

export interface CatalogSource {
  /** Stands for one connection: a new one (a reconnect, a restarted host) has a new key. */
  key: string;
  /** The names of the host's images (`vlm/images/list`). */
  imageNames(): Promise<string[]>;
}

export interface CatalogSyncOptions {
  /** The connected hosts, now. */
  connected(): CatalogSource[];
  /** Sends the images to the language server. */
  send(catalog: { images: Array<{ name: string }> }): Promise<void>;
  warn(message: string): void;
}

/** Returns `refresh`: call it when hosts change; it sends only when the images changed. */
export function createCatalogSync(options: CatalogSyncOptions): () => Promise<void> {
  let readKeys = '';
  let sent = JSON.stringify(builtInImageCatalog.images.map((image) => image.name));
  let running = Promise.resolve();
  const refresh = async (): Promise<void> => {
    const sources = options.connected();
    const keys = sources.map((source) => source.key).join('\n');
    if (keys === readKeys) return;
    readKeys = keys;
    // The built-in images (every host has them), then every name a connected host adds.
    const names = new Set(builtInImageCatalog.images.map((image) => image.name));
    for (const source of sources) {
      try {
        for (const name of await source.imageNames()) names.add(name);
      } catch (error) {
        options.warn(`Could not read the images of a host for lab checks: ${String(error)}`);
        readKeys = '';
      }
    }
    const text = JSON.stringify([...names]);
    if (text === sent) return;
    try {
      await options.send({ images: [...names].map((name) => ({ name })) });
      sent = text;
    } catch (error) {
      options.warn(`Could not send the image catalog to the language server: ${String(error)}`);
    }
  };
  // One refresh at a time, in order: a later one sees the hosts as they are then.
  return () => {
    running = running.then(refresh);
    return running;
  };
}
