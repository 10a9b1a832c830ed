// The part of ssh2's crypto module (no types of its own) that says which crypto it runs.
declare module 'ssh2/lib/protocol/crypto' {
  /** True when ssh2 loaded its native binding; false when it runs its JavaScript fallback. */
  export const bindingAvailable: boolean;
}
