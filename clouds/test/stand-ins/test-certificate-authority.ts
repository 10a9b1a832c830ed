// A certificate authority made for one test run, and a server certificate it signs for 127.0.0.1,
// so HTTPS stand-ins are verified the way a real server is (no verification turned off).
// openssl comes from the 'tls' group of scripts/system-packages.mjs.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** The CA certificate (PEM), to hand to a client's `ca` option. */
  ca: string;
  /** The same, as a file, for NODE_EXTRA_CA_CERTS or a `caFile` setting. */
  caFile: string;
  /** The server's key and certificate (PEM), for https.createServer. */
  key: string;
  cert: string;
  /** Removes the files. */
  dispose(): Promise<void>;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') {
      throw new Error('openssl is missing. Install it with: node scripts/system-packages.mjs tls (or apt-get install -y openssl)');
    }
    throw error;
  }
}

const ellipticKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTestCertificates(): Promise<TestCertificates> {
  const folder = await mkdtemp(join(tmpdir(), 'vlm-test-ca-'));
  const file = (name: string) => join(folder, name);
  try {
    await openssl([
      'req',
      '-x509',
      ...ellipticKey,
      '-days',
      '1',
      '-subj',
      '/CN=VLM test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    ]);
    await openssl(['req', ...ellipticKey, '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr')]);
    await writeFile(
      file('server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
    );
    await openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    ]);
    const [ca, key, cert] = await Promise.all(['ca.pem', 'server.key', 'server.pem'].map((name) => readFile(file(name), 'utf8')));
    // Only the CA's certificate stays on disk, and not past this process even if close() never comes.
    await Promise.all(
      ['ca.key', 'ca.srl', 'server.key', 'server.csr', 'server.ext', 'server.pem'].map((name) => rm(file(name), { force: true })),
    );
    const removeOnExit = () => rmSync(folder, { recursive: true, force: true });
    process.once('exit', removeOnExit);
    const dispose = async () => {
      process.removeListener('exit', removeOnExit);
      await rm(folder, { recursive: true, force: true });
    };
    return { ca: ca as string, caFile: file('ca.pem'), key: key as string, cert: cert as string, dispose };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}
