// What build-vlm-tiny.sh tells a user who lacks a package, and that a killed build leaves
// no half image behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildImage, buildScript, requireTools, runFile, type BuiltImage } from './tiny-guest';

describe('build-vlm-tiny.sh', { timeout: 600_000 }, () => {
  let work: string;

  before(async () => {
    requireTools('bash', 'qemu-img', 'cpio', 'dpkg-query');
    work = await mkdtemp(join(tmpdir(), 'vlm-tiny-build-test-'));
  });

  after(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  test('a missing package is named with the apt-get command that installs it', async () => {
    // A dpkg-query that reports every package installed except dropbear-bin.
    const stubs = join(work, 'stubs');
    await mkdir(stubs);
    await writeFile(
      join(stubs, 'dpkg-query'),
      [
        '#!/bin/sh',
        'last=""; for argument in "$@"; do last=$argument; done',
        'case "$*" in *Status-Abbrev*) [ "$last" = dropbear-bin ] && exit 1; printf "ii " ;; *) exec /usr/bin/dpkg-query "$@" ;; esac',
        '',
      ].join('\n'),
    );
    await chmod(join(stubs, 'dpkg-query'), 0o755);
    const result = await new Promise<{ code: number | null; stderr: string }>((resolvePromise) => {
      const child = spawn('bash', [buildScript, join(work, 'never-built')], {
        env: { ...process.env, PATH: `${stubs}:${process.env.PATH ?? ''}` },
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('close', (code) => resolvePromise({ code, stderr }));
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /missing Debian package\(s\): dropbear-bin\n/);
    assert.match(result.stderr, /apt-get install -y --no-install-recommends dropbear-bin/);
    assert.equal(existsSync(join(work, 'never-built')), false);
  });

  test('an output path with shell-special characters is refused', async () => {
    const result = await runFile('bash', [buildScript, join(work, 'a b*')], 30_000);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /may hold only letters, digits/);
  });

  test('a build killed halfway leaves no image; the next build cleans up and completes', async () => {
    const output = join(work, 'image');
    const child = spawn('bash', [buildScript, output], { detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((resolvePromise) => child.on('close', () => resolvePromise()));
    // Kill once the build has begun filling its temporary folder.
    const deadline = Date.now() + 120_000;
    let building: string | undefined;
    while (building === undefined) {
      const entries = await readdir(work);
      const folder = entries.find((entry) => entry.startsWith('image.building.'));
      if (folder !== undefined && existsSync(join(work, folder, 'root/bin/busybox'))) building = folder;
      else if (Date.now() > deadline) throw new Error('the build never started filling its folder');
      else await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
    }
    assert.ok(child.pid !== undefined, 'the build runs as a process with a pid');
    process.kill(-child.pid, 'SIGKILL');
    await exited;
    assert.equal(existsSync(output), false, 'no image folder after the kill');

    const built = await buildImage(output);
    assert.match(built.output, /built /);
    assert.deepEqual((await readdir(output)).sort(), ['disk.qcow2', 'initramfs.cpio.gz', 'manifest.json', 'vmlinuz']);
    assert.deepEqual(
      (await readdir(work)).filter((entry) => entry.includes('.building.')),
      [],
      'stale build folders removed',
    );
    // The same inputs give the same bytes: compare with the image the other tests share.
    const shared = await buildImage();
    const digest = (image: BuiltImage, role: string): string | undefined => image.manifest.files.find((file) => file.role === role)?.sha256;
    assert.equal(digest(built, 'initramfs'), digest(shared, 'initramfs'));
  });
});
