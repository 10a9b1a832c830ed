// A throwaway certificate authority and a server certificate for 127.0.0.1, made per run with
// openssl, so HTTPS stand-ins are checked by clients exactly as real endpoints are.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** The authority's certificate (PEM): what clients trust (tlsOptions.ca or NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** The same certificate as a file, for NODE_EXTRA_CA_CERTS in a child process. */
  caPath: string;
  keyPem: string;
  certPem: string;
  /** Removes the folder holding the files. */
  remove(): Promise<void>;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new Error('openssl is missing: install it with `node scripts/system-packages.mjs tls` (Debian package openssl).');
    throw error;
  }
}

export async function createTestCertificates(commonName: string): Promise<TestCertificates> {
  const folder = await mkdtemp(join(tmpdir(), 'vlm-test-ca-'));
  const file = (name: string) => join(folder, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await openssl([
      'req',
      '-x509',
      ...ecKey,
      '-days',
      '1',
      '-subj',
      `/CN=${commonName} test CA`,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    ]);
    await writeFile(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    await openssl(['req', '-new', ...ecKey, '-subj', `/CN=${commonName}`, '-keyout', file('server.key'), '-out', file('server.csr')]);
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
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    caPem: await readFile(file('ca.pem'), 'utf8'),
    caPath: file('ca.pem'),
    keyPem: await readFile(file('server.key'), 'utf8'),
    certPem: await readFile(file('server.pem'), 'utf8'),
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}
