// Logging in to a real vCenter simulator over SOAP: the session, a refused password that leaves
// nothing half made, settings that pick datacenters, and a vCenter that goes away mid-way.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { childrenOf, childOf, element } from '../../src/vsphere/soap-xml.js';
import { startVsphereSimulator, type VsphereSimulator } from '../stand-ins/vsphere-simulator.js';
import { adminSession, defaultVmNames, providerFor, rejectsWith, secretsOf } from './vsphere-fixture.js';

describe('vSphere session against the simulator', () => {
  let simulator: VsphereSimulator;
  before(async () => {
    simulator = await startVsphereSimulator();
  });
  after(async () => {
    assert.deepEqual(await simulator.stop(), [], 'the simulator left datastore folders behind');
    assert.equal(existsSync(simulator.folder), false);
  });

  test('logs in and lists the datacenter as the one location', async () => {
    const provider = providerFor(simulator);
    try {
      const locations = await provider.listLocations();
      assert.deepEqual(
        locations.map((location) => location.label),
        ['DC0'],
      );
      assert.match(locations[0]?.id ?? '', /^datacenter-\d+$/);
    } finally {
      provider.dispose();
    }
  });

  test('a wrong password is an auth error naming the user, without the password, and the next try starts afresh', async () => {
    const passwords = { current: 'not-the-password<&>' as string | undefined };
    const provider = providerFor(simulator, { secrets: secretsOf(passwords) });
    try {
      const error = await rejectsWith(provider.listLocations(), 'auth', 'InvalidLogin');
      assert.match(error.message, /refused the login of "vlm-tester"/);
      assert.doesNotMatch(error.describe(), /not-the-password/);
      assert.match(error.details.hint ?? '', /password/);
      passwords.current = simulator.password;
      assert.equal((await provider.listLocations()).length, 1);
    } finally {
      provider.dispose();
    }
  });

  test('no stored password is an auth error before any request', async () => {
    const provider = providerFor(simulator, { secrets: secretsOf({ current: undefined }) });
    const error = await rejectsWith(provider.listLocations(), 'auth');
    assert.match(error.message, /No password is stored for vCenter account "vcenter-test"/);
    provider.dispose();
  });

  test('a user name with XML characters is escaped, so vCenter reads it and refuses the login', async () => {
    const provider = providerFor({ ...simulator, username: `a</userName><x>&"'` });
    await rejectsWith(provider.listLocations(), 'auth', 'InvalidLogin');
    provider.dispose();
  });

  test('a caller that aborts while the shared login runs stops waiting; the others still get the session', async () => {
    let release: (password: string) => void = () => undefined;
    const held = new Promise<string>((resolve) => {
      release = resolve;
    });
    const provider = providerFor(simulator, { secrets: { get: () => held } });
    try {
      const controller = new AbortController();
      const impatient = provider.listLocations(controller.signal);
      const patient = provider.listLocations();
      controller.abort(new Error('the view was closed'));
      await assert.rejects(impatient, /the view was closed/);
      release(simulator.password);
      assert.equal((await patient).length, 1);
    } finally {
      provider.dispose();
    }
  });

  test('datacenters in the settings choose the locations; an unknown one is named', async () => {
    const chosen = providerFor(simulator, { settings: { datacenters: ['DC0'] } });
    assert.deepEqual(
      (await chosen.listLocations()).map((location) => location.label),
      ['DC0'],
    );
    chosen.dispose();
    const wrong = providerFor(simulator, { settings: { datacenters: ['DC0', 'Lisbon'] } });
    const error = await rejectsWith(wrong.listLocations(), 'notFound');
    assert.match(error.message, /no datacenter named "Lisbon"/);
    assert.match(error.details.hint ?? '', /DC0/);
    wrong.dispose();
  });
});

/** Ends every session but the caller's, as a vCenter administrator (or an idle timeout) would. */
function terminateOtherSessions(simulator: VsphereSimulator): Promise<number> {
  return adminSession(simulator, async (vim) => {
    const manager = { type: 'SessionManager', value: vim.serviceContent.sessionManager };
    const [object] = await vim.retrieveObjects([manager], 'SessionManager', ['sessionList', 'currentSession']);
    const own = childOf(object?.properties.get('currentSession'), 'key')?.text;
    const others = childrenOf(object?.properties.get('sessionList'), 'UserSession')
      .map((session) => childOf(session, 'key')?.text ?? '')
      .filter((key) => key !== own);
    const _this = element('_this', manager.value, { type: 'SessionManager' });
    await vim.soap.call('TerminateSession', [_this, ...others.map((key) => element('sessionId', key))]);
    return others.length;
  });
}

describe('a session that vCenter ended', () => {
  test('the provider logs in again once and the listing still succeeds', async () => {
    const simulator = await startVsphereSimulator();
    const provider = providerFor(simulator);
    try {
      const [location] = await provider.listLocations();
      assert.ok(location);
      assert.equal(await terminateOtherSessions(simulator), 1);
      const { instances } = await provider.listInstances(location.id);
      assert.equal(instances.length, 4);
    } finally {
      provider.dispose();
      assert.deepEqual(await simulator.stop(), []);
    }
  });
});

describe('a vCenter that stops mid-way', () => {
  test('the next call is unreachable, and nothing is left of the simulator', async () => {
    const simulator = await startVsphereSimulator();
    const provider = providerFor(simulator);
    try {
      const [location] = await provider.listLocations();
      assert.ok(location);
      const { instances } = await provider.listInstances(location.id);
      assert.deepEqual(instances.map((instance) => instance.name).sort(), defaultVmNames);
      assert.deepEqual(await simulator.stop(), []);
      const error = await rejectsWith(provider.listInstances(location.id), 'unreachable');
      assert.match(error.message, /Could not reach vCenter at http:\/\/127\.0\.0\.1:\d+\/sdk/);
    } finally {
      provider.dispose();
      await simulator.stop();
    }
  });
});
