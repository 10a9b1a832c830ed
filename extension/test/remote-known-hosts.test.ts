// known_hosts lines as OpenSSH writes them (ssh-keygen makes the keys and the hashed lines), and
// SSH destinations as users write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkHostKey,
  keyFingerprint,
  keyTypeOf,
  knownKeyTypes,
  preferredHostKeyAlgorithms,
  recordHostKey,
} from '../src/remote/known-hosts';
import { formatSshDestination, parseSshDestination } from '../src/remote/ssh-destination';

async function withKeys(run: (folder: string, key: Buffer, other: Buffer, line: (path: string) => Promise<string>) => Promise<void>) {
  const folder = await mkdtemp(join(tmpdir(), 'vlm-known-hosts-'));
  try {
    for (const name of ['key', 'other']) {
      const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(folder, name)], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
    }
    const line = async (name: string) => (await readFile(join(folder, `${name}.pub`), 'utf8')).split(' ').slice(0, 2).join(' ');
    const blob = async (name: string) => Buffer.from((await line(name)).split(' ')[1] ?? '', 'base64');
    await run(folder, await blob('key'), await blob('other'), line);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

test('host keys: trusted, unknown, changed, revoked, with ports and patterns', () =>
  withKeys(async (_folder, key, other, line) => {
    const mine = await line('key');
    const theirs = await line('other');
    assert.equal(keyTypeOf(key), 'ssh-ed25519');
    assert.deepEqual(checkHostKey(`lab-server ${mine}\n`, 'lab-server', 22, key), { kind: 'trusted' });
    assert.deepEqual(checkHostKey(`lab-server ${mine}\n`, 'lab-server', 2222, key), { kind: 'unknown' }, 'another port is another host');
    assert.deepEqual(checkHostKey(`[lab-server]:2222 ${mine}\n`, 'lab-server', 2222, key), { kind: 'trusted' });
    assert.deepEqual(checkHostKey(`# comment\n\nother-host ${theirs}\nlab-server ${theirs}\n`, 'lab-server', 22, key), {
      kind: 'changed',
      line: 4,
    });
    assert.deepEqual(checkHostKey(`*.lab ${mine}\n`, 'web.lab', 22, key), { kind: 'trusted' });
    assert.deepEqual(checkHostKey(`*.lab,!db.lab ${mine}\n`, 'db.lab', 22, key), { kind: 'unknown' });
    assert.deepEqual(checkHostKey(`@revoked * ${mine}\nlab-server ${mine}\n`, 'lab-server', 22, key), { kind: 'revoked', line: 1 });
    // A host recorded only with a key of another type presents a changed key, not an unknown one.
    assert.deepEqual(checkHostKey(`lab-server ssh-rsa AAAA\n`, 'lab-server', 22, other), {
      kind: 'changed',
      line: 1,
      knownType: 'ssh-rsa',
    });
    assert.deepEqual(
      checkHostKey(`lab-server ssh-rsa AAAA\nlab-server ${theirs}\n`, 'lab-server', 22, other),
      { kind: 'trusted' },
      'a host with keys of two types',
    );
    assert.deepEqual(
      checkHostKey(`@revoked lab-server ssh-rsa AAAA\n`, 'lab-server', 22, other),
      { kind: 'unknown' },
      'a revoked line records no key',
    );
  }));

test('known key types of a host are asked for first, RSA by its SHA-2 signature algorithms too', () =>
  withKeys(async (_folder, _key, _other, line) => {
    const text = `other ecdsa-sha2-nistp256 AAAA\n[lab-server]:2222 ssh-rsa AAAA\n[lab-server]:2222 ${await line('key')}\n@revoked [lab-server]:2222 ssh-dss AAAA\n`;
    assert.deepEqual(knownKeyTypes(text, 'lab-server', 2222), ['ssh-rsa', 'ssh-ed25519']);
    assert.deepEqual(preferredHostKeyAlgorithms(knownKeyTypes(text, 'lab-server', 2222)), [
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
    assert.deepEqual(preferredHostKeyAlgorithms(knownKeyTypes(text, 'new-host', 22)), []);
  }));

test('hashed names as ssh-keygen -H writes them are matched', () =>
  withKeys(async (folder, key, _other, line) => {
    const path = join(folder, 'known_hosts');
    await writeFile(path, `[lab-server]:2200 ${await line('key')}\n`);
    const hashed = spawnSync('ssh-keygen', ['-H', '-f', path], { encoding: 'utf8' });
    assert.equal(hashed.status, 0, hashed.stderr);
    const text = await readFile(path, 'utf8');
    assert.match(text, /^\|1\|/);
    assert.deepEqual(checkHostKey(text, 'lab-server', 2200, key), { kind: 'trusted' });
    assert.deepEqual(checkHostKey(text, 'lab-server', 22, key), { kind: 'unknown' });
  }));

test('an accepted key is recorded so that ssh-keygen finds it, with a fingerprint as ssh-keygen prints it', () =>
  withKeys(async (folder, key) => {
    const path = join(folder, 'new', 'known_hosts');
    await recordHostKey(path, '127.0.0.1', 2222, key);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const found = spawnSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', path], { encoding: 'utf8' });
    assert.equal(found.status, 0);
    const listed = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(folder, 'key.pub')], { encoding: 'utf8' });
    assert.equal(keyFingerprint(key), listed.stdout.split(' ')[1]);
  }));

test('SSH destinations: user, host, port, IPv6, and what is wrong with a bad one', () => {
  assert.deepEqual(parseSshDestination('admin@lab-server'), { user: 'admin', host: 'lab-server', port: 22 });
  assert.deepEqual(parseSshDestination('admin@lab-server:2222'), { user: 'admin', host: 'lab-server', port: 2222 });
  assert.deepEqual(parseSshDestination('admin@[::1]:2222'), { user: 'admin', host: '::1', port: 2222 });
  assert.deepEqual(parseSshDestination('lab-server', 'me'), { user: 'me', host: 'lab-server', port: 22 });
  assert.throws(() => parseSshDestination('admin@lab-server:99999'), /port must be a number from 1 to 65535/);
  assert.throws(() => parseSshDestination('admin@'), /not an SSH destination: write user@host/);
  assert.equal(formatSshDestination({ user: 'admin', host: '::1', port: 2222 }), 'admin@[::1]:2222');
  assert.equal(formatSshDestination({ user: 'admin', host: 'lab', port: 22 }), 'admin@lab');
});
