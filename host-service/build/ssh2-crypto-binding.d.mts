// Types of ssh2-crypto-binding.mjs, for the tests that bundle vlm-host.
import type { Plugin } from 'esbuild';

export const bindingFileName: string;
export function builtSsh2Binding(): string | undefined;
export function ssh2CryptoBinding(): Plugin;
