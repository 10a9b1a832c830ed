// The one decision of which libvirt the local host uses, as npm start and the extension take it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseLocalLibvirt,
  commandInstalled,
  type LocalLibvirtFacts,
  localLibvirtFacts,
  localLibvirtKey,
} from '../src/local-libvirt-choice';

const everything = new Set(['libvirt-dbus', 'libvirtd', 'qemu-system-x86_64']);
const facts = (overrides: Partial<LocalLibvirtFacts> & { without?: string[] } = {}): LocalLibvirtFacts => ({
  userId: 1000,
  systemSocketUsable: false,
  hasCommand: (name) => everything.has(name) && !(overrides.without ?? []).includes(name),
  ...overrides,
});

test('a user who is not root gets their own qemu:///session, with real VMs, when QEMU and libvirtd are installed', () => {
  const choice = chooseLocalLibvirt('auto', undefined, facts());
  assert.deepEqual([choice.libvirt, choice.driver], ['session', 'qemu']);
  assert.match(choice.words, /qemu:\/\/\/session .*without root; lab networks need qemu:\/\/\/system/);
  // Even in the libvirt group: libvirt-dbus on the private session bus opens the session.
  assert.equal(chooseLocalLibvirt('auto', undefined, facts({ systemSocketUsable: true })).libvirt, 'session');
});

test('root gets qemu:///system while libvirtd runs, else the simulated host', () => {
  assert.deepEqual(chooseLocalLibvirt('auto', undefined, facts({ userId: 0, systemSocketUsable: true })).driver, 'qemu');
  assert.equal(chooseLocalLibvirt('auto', undefined, facts({ userId: 0, systemSocketUsable: true })).libvirt, 'system');
  const stopped = chooseLocalLibvirt('auto', undefined, facts({ userId: 0 }));
  assert.deepEqual([stopped.libvirt, stopped.driver], ['simulated', 'test']);
  assert.match(stopped.words, /libvirtd does not run/);
});

test('without QEMU or libvirtd the host is simulated, and says what to install; without libvirt-dbus there is none', () => {
  const simulated = chooseLocalLibvirt('auto', undefined, facts({ without: ['qemu-system-x86_64'] }));
  assert.deepEqual([simulated.libvirt, simulated.driver], ['simulated', 'test']);
  assert.match(simulated.words, /qemu-system-x86, libvirt-daemon/);
  assert.equal(chooseLocalLibvirt('auto', undefined, facts({ without: ['libvirtd'] })).libvirt, 'simulated');
  const missing = chooseLocalLibvirt('auto', 'session', facts({ without: ['libvirt-dbus'] }));
  assert.equal(missing.libvirt, 'missing');
  assert.match(missing.words, /libvirt-dbus is not installed/);
});

test("npm start's decision (VLM_LOCAL_LIBVIRT) is the extension's under auto; the setting overrides both", () => {
  for (const passed of ['system', 'session', 'simulated'] as const) {
    assert.equal(chooseLocalLibvirt('auto', passed, facts()).libvirt, passed);
  }
  assert.equal(chooseLocalLibvirt('auto', 'simulated', facts()).driver, 'test');
  assert.equal(chooseLocalLibvirt('auto', '', facts()).libvirt, 'session');
  assert.equal(chooseLocalLibvirt('test', 'session', facts()).libvirt, 'simulated');
  assert.equal(chooseLocalLibvirt('qemu', 'simulated', facts()).libvirt, 'session');
  assert.equal(chooseLocalLibvirt('qemu', undefined, facts({ userId: 0 })).libvirt, 'system');
});

test('a passed value that is none of the three is refused, naming it', () => {
  for (const hostile of ['root', 'System', 'session; rm -rf /', 'x'.repeat(500)]) {
    assert.throws(() => chooseLocalLibvirt('auto', hostile, facts()), /VLM_LOCAL_LIBVIRT must be one of system, session, simulated, not "/);
  }
});

test("commands are found in PATH and in /usr/sbin, which a user's PATH may lack; the socket only when usable", (context) => {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-libvirt-choice-'));
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(join(folder, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(folder, 'data'), '', { mode: 0o644 });
  assert.equal(commandInstalled('tool', folder), true);
  assert.equal(commandInstalled('data', folder), false);
  assert.equal(commandInstalled('no-such-command-vlm', folder), false);
  assert.equal(localLibvirtFacts(join(folder, 'missing-sock')).systemSocketUsable, false);
  assert.equal(localLibvirtFacts(join(folder, 'data')).systemSocketUsable, true);
});

test('the context key follows what the connected local service says, else the decision', () => {
  assert.equal(localLibvirtKey('session', undefined), 'session');
  assert.equal(localLibvirtKey('missing', undefined), 'missing');
  assert.equal(localLibvirtKey('simulated', 'session'), 'session');
  assert.equal(localLibvirtKey('session', 'system'), 'system');
  assert.equal(localLibvirtKey('system', 'test'), 'simulated');
});
