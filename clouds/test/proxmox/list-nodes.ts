// Run in a child process by the login tests: lists the stand-in's nodes with no CA setting, so
// only NODE_EXTRA_CA_CERTS (read by Node at start-up) can make its certificate trusted.
import { isCloudError } from '../../src/cloud-errors.js';
import { ProxmoxProvider } from '../../src/proxmox/proxmox-provider.js';
import { parseProxmoxSettings } from '../../src/proxmox/proxmox-settings.js';

async function main(): Promise<void> {
  const settings = parseProxmoxSettings({ url: process.env.PROXMOX_URL, tokenId: process.env.PROXMOX_TOKEN_ID, timeoutSeconds: 5 });
  const secrets = { get: async () => process.env.PROXMOX_TOKEN_SECRET };
  const provider = new ProxmoxProvider({ id: 'child', provider: 'proxmox', settings: {} }, settings, secrets);
  try {
    console.log(JSON.stringify((await provider.listLocations()).map((location) => location.id)));
  } catch (error) {
    console.log(JSON.stringify({ error: isCloudError(error) ? error.describe() : String(error) }));
  } finally {
    provider.dispose();
  }
}

void main();
