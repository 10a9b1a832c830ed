// Run in a child process by the transport tests: lists the stand-in's locations through the
// registry's Azure module, with no CA option, so only NODE_EXTRA_CA_CERTS (read by Node at
// start-up) can make the stand-in's certificate trusted. The network guard runs here too.
import { isCloudError } from '../../src/cloud-errors.js';
import { azureProviderModule } from '../../src/azure/azure-provider.js';
import { guardNetwork, nonLoopbackConnections } from './azure-fixture.js';

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.VLM_AZURE_SETTINGS ?? '{}') as Record<string, unknown>;
  const secret = process.env.VLM_AZURE_SECRET;
  guardNetwork();
  const provider = azureProviderModule.create({ id: 'child', provider: 'azure', settings }, azureProviderModule.parseSettings(settings), {
    get: async () => secret,
  });
  try {
    console.log(
      JSON.stringify({ locations: (await provider.listLocations()).map((location) => location.id), offLoopback: nonLoopbackConnections() }),
    );
  } catch (error) {
    console.log(JSON.stringify({ error: isCloudError(error) ? error.describe() : String(error), offLoopback: nonLoopbackConnections() }));
  } finally {
    provider.dispose();
  }
}

void main();
