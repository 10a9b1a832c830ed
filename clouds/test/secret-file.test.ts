// The CLI's encrypted secrets: what comes back is what went in, and a wrong key, altered bytes,
// a loose key file or a file from another key are refused, naming the file but never a value.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretFile, SecretFileError, secretFileLocations } from '../src/secret-file';

const secret = 'PVEAPIToken=root@pam!vlm=3f1c6a8e-secret-value';
let folder = '';
let counter = 0;
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'vlm-secret-file-'));
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A fresh secrets file and key file of its own. */
function freshLocations(): { path: string; keyPath: string } {
  counter += 1;
  return { path: join(folder, `secrets-${counter}.json`), keyPath: join(folder, `keys-${counter}`, 'secrets.key') };
}

async function refusal(promise: Promise<unknown>): Promise<SecretFileError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof SecretFileError, `expected a SecretFileError, got ${String(error)}`);
  assert.ok(!error.message.includes(secret), 'the message holds no secret');
  return error;
}

type Sealed = { iv: string; data: string; tag: string };
type Stored = { keyCheck: Sealed; secrets: Record<string, Record<string, Sealed>> };

async function alter(path: string, change: (document: Stored) => void): Promise<void> {
  const document = JSON.parse(await readFile(path, 'utf8')) as Stored;
  change(document);
  await writeFile(path, JSON.stringify(document));
}

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString('base64');
}

describe('secrets file: round trip and modes', () => {
  it('gives back what was set, keeps it encrypted, and makes its key file 0600', async () => {
    const locations = freshLocations();
    const file = new SecretFile(locations);
    assert.equal(await file.get('home', 'token'), undefined);
    await file.set('home', 'token', secret);
    await file.set('home', 'password', 'second');
    await file.set('prod', 'token', 'third');
    const reopened = new SecretFile(locations);
    assert.equal(await reopened.get('home', 'token'), secret);
    assert.equal(await reopened.get('prod', 'token'), 'third');
    assert.deepEqual(await reopened.keysOf('home'), ['password', 'token']);
    assert.deepEqual(await reopened.keysOf('constructor'), []);
    const stored = await readFile(locations.path, 'utf8');
    assert.ok(!stored.includes(secret) && !stored.includes(Buffer.from(secret).toString('base64')));
    assert.equal((await stat(locations.path)).mode & 0o777, 0o600);
    assert.equal((await stat(locations.keyPath)).mode & 0o777, 0o600);
    assert.match(await readFile(locations.keyPath, 'utf8'), /^[A-Za-z0-9+/]{43}=\n$/);
  });

  it('uses a new IV for each value, so equal secrets do not look equal', async () => {
    const locations = freshLocations();
    const file = new SecretFile(locations);
    await file.set('a', 'token', secret);
    await file.set('b', 'token', secret);
    const { secrets } = JSON.parse(await readFile(locations.path, 'utf8')) as Stored;
    assert.notEqual(secrets.a?.token?.iv, secrets.b?.token?.iv);
    assert.notEqual(secrets.a?.token?.data, secrets.b?.token?.data);
  });

  it('removes a secret without needing the key', async () => {
    const locations = freshLocations();
    await new SecretFile(locations).set('home', 'token', secret);
    await rm(locations.keyPath);
    const file = new SecretFile(locations);
    assert.equal(await file.remove('home', 'token'), true);
    assert.equal(await file.remove('home', 'token'), false);
    assert.deepEqual(await file.keysOf('home'), []);
  });

  it('takes the key from VLM_SECRETS_KEY, and refuses one that is not 32 bytes of base64', async () => {
    const { path, keyPath } = freshLocations();
    const key = randomBytes(32).toString('base64');
    const environment = { VLM_SECRETS_FILE: path, VLM_SECRETS_KEY_FILE: keyPath, VLM_SECRETS_KEY: key };
    await new SecretFile(secretFileLocations(environment)).set('home', 'token', secret);
    assert.equal(await new SecretFile(secretFileLocations(environment)).get('home', 'token'), secret);
    await assert.rejects(stat(keyPath), { code: 'ENOENT' }, 'no key file is made when the key comes from the environment');
    const short = new SecretFile(secretFileLocations({ ...environment, VLM_SECRETS_KEY: randomBytes(16).toString('base64') }));
    const error = await refusal(short.get('home', 'token'));
    assert.match(error.message, /^VLM_SECRETS_KEY does not hold an AES-256 key: it must be 32 bytes in base64/);
  });
});

describe('secrets file: refusals', () => {
  it('refuses a key file that group or others may read, saying how to fix it', async () => {
    const locations = freshLocations();
    await new SecretFile(locations).set('home', 'token', secret);
    await chmod(locations.keyPath, 0o644);
    const error = await refusal(new SecretFile(locations).get('home', 'token'));
    assert.match(
      error.message,
      new RegExp(
        `^the secrets key file ${locations.keyPath} has mode 0644: group and others may read it, so it is refused\\. Run 'chmod 600 `,
      ),
    );
  });

  it('refuses a wrong key, naming the file', async () => {
    const locations = freshLocations();
    await new SecretFile(locations).set('home', 'token', secret);
    await writeFile(locations.keyPath, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const error = await refusal(new SecretFile(locations).get('home', 'token'));
    assert.equal(
      error.message,
      `the secrets file ${locations.path} was encrypted with another key than the key file ${locations.keyPath} (or its key check was altered): ` +
        'nothing in it can be read. Use the key it was written with, or move the file away and set the secrets again.',
    );
    await refusal(new SecretFile(locations).set('home', 'other', 'x'));
  });

  it('refuses a secrets file from another key, even one copied in whole', async () => {
    const first = freshLocations();
    const second = freshLocations();
    await new SecretFile(first).set('home', 'token', secret);
    await new SecretFile(second).set('home', 'token', 'mine');
    await writeFile(second.path, await readFile(first.path));
    const error = await refusal(new SecretFile(second).get('home', 'token'));
    assert.match(error.message, /was encrypted with another key than the key file/);
  });

  it('refuses altered ciphertext, an altered tag and an entry moved to another name', async () => {
    const locations = freshLocations();
    const file = new SecretFile(locations);
    await file.set('home', 'token', secret);
    await file.set('home', 'password', 'other');
    const original = await readFile(locations.path, 'utf8');
    const changes: Array<(document: Stored) => void> = [
      (document) => {
        const sealed = document.secrets.home?.token as Sealed;
        sealed.data = flipFirstByte(sealed.data);
      },
      (document) => {
        const sealed = document.secrets.home?.token as Sealed;
        sealed.tag = flipFirstByte(sealed.tag);
      },
      (document) => {
        const home = document.secrets.home as Record<string, Sealed>;
        home.token = home.password as Sealed;
      },
    ];
    for (const change of changes) {
      await writeFile(locations.path, original);
      await alter(locations.path, change);
      const error = await refusal(new SecretFile(locations).get('home', 'token'));
      assert.equal(
        error.message,
        `the secret token of account home in ${locations.path} failed its integrity check: the file was altered or damaged. ` +
          "Set it again with 'vlm cloud secret set home token'.",
      );
    }
  });

  it('refuses a damaged file, and secrets without their key file', async () => {
    const locations = freshLocations();
    await new SecretFile(locations).set('home', 'token', secret);
    const stored = await readFile(locations.path, 'utf8');
    await alter(locations.path, (document) => {
      (document.secrets.home as Record<string, unknown>).token = { iv: 'AAAA', data: '', tag: '' };
    });
    assert.match((await refusal(new SecretFile(locations).get('home', 'token'))).message, /is damaged \(the entry of account home\)/);
    await writeFile(locations.path, 'not json');
    assert.match((await refusal(new SecretFile(locations).keysOf('home'))).message, /is damaged \(not JSON\): it was not written by vlm/);
    await writeFile(locations.path, stored);
    await rm(locations.keyPath);
    const missing = await refusal(new SecretFile(locations).set('home', 'token', 'new'));
    assert.match(missing.message, /needs its key, but the key file .* does not exist\. Restore it, or set VLM_SECRETS_KEY\./);
  });

  it('refuses bad names and empty values before writing', async () => {
    const file = new SecretFile(freshLocations());
    await refusal(file.set('../x', 'token', 'v'));
    await refusal(file.set('home', '__proto__', 'v'));
    await refusal(file.set('home', 'token', ''));
  });
});
