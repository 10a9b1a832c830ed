// Builds (or finds up to date) the vlm-tiny guest image and reads its manifest, for the tests.
// The build itself is build-vlm-tiny.sh beside this file; the host service runs it directly.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The build script inside a checkout. Callers pass the repository root they know (the image
 * catalog names the script relative to it); import.meta is not available in the CJS bundles.
 */
export function buildScriptIn(repositoryRoot: string): string {
  return join(repositoryRoot, 'host-service/vlm-tiny/build-vlm-tiny.sh');
}

export interface VlmTinyFile {
  role: 'kernel' | 'initramfs' | 'disk';
  /** Relative to the image folder. */
  path: string;
  size: number;
  sha256: string;
  format: string;
}

/** manifest.json as build-vlm-tiny.sh writes it. */
export interface VlmTinyManifest {
  name: 'vlm-tiny';
  manifest_version: 1;
  inputs_sha256: string;
  kernel_version: string;
  kernel_cmdline: string;
  files: VlmTinyFile[];
  machine: { arch: string; type: string; min_ram_mb: number; console: string };
  ssh: { user: string; port: number };
  seed: { kind: 'nocloud'; label: string; buses: string[] };
  recommended_devices: string[];
  ready_line: string;
}

export interface VlmTinyImage {
  directory: string;
  manifest: VlmTinyManifest;
  /** Absolute paths. */
  kernel: string;
  initramfs: string;
  disk: string;
  /** What the build printed: "built ..." or "... is up to date". */
  buildOutput: string;
}

export async function readVlmTinyManifest(directory: string): Promise<VlmTinyManifest> {
  const manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as Partial<VlmTinyManifest>;
  if (manifest.name !== 'vlm-tiny' || manifest.manifest_version !== 1 || !Array.isArray(manifest.files)) {
    throw new Error(`${join(directory, 'manifest.json')} is not a vlm-tiny manifest of version 1`);
  }
  return manifest as VlmTinyManifest;
}

/**
 * Runs the build into directory (skipped by the script when up to date) and returns the
 * image. Rejects with the script's own message, which names any missing Debian package.
 */
export function buildVlmTiny(buildScript: string, directory: string, timeoutMs = 300_000): Promise<VlmTinyImage> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [buildScript, directory], { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`build-vlm-tiny.sh failed: ${stderr.trim() || error.message}`));
        return;
      }
      readVlmTinyManifest(directory)
        .then((manifest) => {
          const path = (role: VlmTinyFile['role']): string => {
            const file = manifest.files.find((entry) => entry.role === role);
            if (!file) throw new Error(`the vlm-tiny manifest lists no ${role}`);
            return join(directory, file.path);
          };
          resolvePromise({
            directory,
            manifest,
            kernel: path('kernel'),
            initramfs: path('initramfs'),
            disk: path('disk'),
            buildOutput: stdout,
          });
        })
        .catch(reject);
    });
  });
}
