// A Proxmox account's settings: what is accepted, and for each refusal the field, what was wrong
// and what is allowed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCloudError } from '../../src/cloud-errors.js';
import { providerRegistry } from '../../src/provider-registry.js';
import { proxmoxModule } from '../../src/proxmox/proxmox-provider.js';
import { secretsOf } from './proxmox-fixture.js';

const parse = proxmoxModule.parseSettings;

function refused(settings: Record<string, unknown>, message: RegExp): void {
  assert.throws(
    () => parse(settings),
    (error: unknown) => {
      assert.ok(isCloudError(error));
      assert.equal(error.kind, 'invalidInput');
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('Proxmox settings', () => {
  test('a token account and a user account, with defaults', async () => {
    assert.deepEqual(parse({ url: 'https://pve.example.com:8006/', tokenId: 'root@pam!vlm' }), {
      url: 'https://pve.example.com:8006',
      tokenId: 'root@pam!vlm',
      timeoutSeconds: 20,
    });
    assert.deepEqual(parse({ url: 'https://10.0.0.5:8006', username: 'ops@pve', caFile: '/etc/vlm/pve-root-ca.pem', timeoutSeconds: 5 }), {
      url: 'https://10.0.0.5:8006',
      username: 'ops@pve',
      caFile: '/etc/vlm/pve-root-ca.pem',
      timeoutSeconds: 5,
    });
    assert.equal(proxmoxModule.kind, 'proxmox');
    assert.equal(await providerRegistry.load('proxmox'), proxmoxModule, 'the registry holds this module');
    assert.deepEqual(proxmoxModule.secretKeys, ['tokenSecret', 'password']);
  });

  test('the address must be https, without credentials, path or query', () => {
    refused({ tokenId: 'root@pam!vlm' }, /^url: required/);
    refused({ url: 'http://pve:8006', tokenId: 'root@pam!vlm' }, /^url: .* uses http; only https is allowed/);
    refused({ url: 'pve:8006', tokenId: 'root@pam!vlm' }, /^url: .* uses pve; only https/);
    refused({ url: 'not a url', tokenId: 'root@pam!vlm' }, /^url: "not a url" is not a URL/);
    refused({ url: 'https://root:secret@pve:8006', tokenId: 'root@pam!vlm' }, /^url: must not hold a user name or password/);
    refused({ url: 'https://pve:8006/api2/json', tokenId: 'root@pam!vlm' }, /^url: .* has a path, query or fragment/);
  });

  test('exactly one of tokenId and username, each in its form', () => {
    const url = 'https://pve:8006';
    refused({ url }, /^tokenId or username: one is required/);
    refused({ url, tokenId: 'root@pam!vlm', username: 'root@pam' }, /^tokenId and username: give one, not both/);
    refused({ url, tokenId: 'root@pam' }, /^tokenId: "root@pam" is not an API token id; use user@realm!name/);
    refused({ url, tokenId: 'root@pam!vlm\nX-Injected: 1' }, /^tokenId: .* is not an API token id/);
    refused({ url, username: 'root' }, /^username: "root" is not a Proxmox user; use user@realm/);
    refused({ url, username: 'ops;x=1@pve' }, /^username: "ops;x=1@pve" is not a Proxmox user/);
    refused({ url, username: 'jörg@pve' }, /^username: "jörg@pve" is not a Proxmox user/);
    refused({ url, tokenId: 'root@pam!vlm=x' }, /^tokenId: "root@pam!vlm=x" is not an API token id/);
    assert.equal(parse({ url, username: 'first.last+ops@corp-ad' }).username, 'first.last+ops@corp-ad');
    refused({ url, username: 42 }, /^username: "42"/);
  });

  test('caFile, timeoutSeconds and unknown fields', () => {
    const base = { url: 'https://pve:8006', tokenId: 'root@pam!vlm' };
    refused({ ...base, caFile: 'pve-root-ca.pem' }, /^caFile: "pve-root-ca.pem" is not an absolute path/);
    refused({ ...base, timeoutSeconds: 0 }, /^timeoutSeconds: "0" is not a number of seconds from 1 to 300/);
    refused({ ...base, timeoutSeconds: '10' }, /^timeoutSeconds/);
    refused(
      { ...base, tokenSecret: 'x' },
      /^"tokenSecret": not a Proxmox setting; allowed: url, tokenId, username, caFile, timeoutSeconds/,
    );
    refused({ ...base, verifyTls: false }, /^"verifyTls": not a Proxmox setting/);
  });

  test('a caFile that cannot be read or holds no certificate is refused before any request', async () => {
    for (const [caFile, message] of [
      ['/nonexistent/pve-root-ca.pem', /^caFile: cannot read "\/nonexistent\/pve-root-ca.pem" \(ENOENT\)/],
      ['/etc/hostname', /^caFile: "\/etc\/hostname" holds no PEM certificate/],
    ] as const) {
      const settings = parse({ url: 'https://127.0.0.1:1', tokenId: 'root@pam!vlm', caFile });
      const provider = proxmoxModule.create({ id: 'lab', provider: 'proxmox', settings: {} }, settings, secretsOf({ tokenSecret: 'x' }));
      await assert.rejects(
        provider.listLocations(),
        (error: unknown) => isCloudError(error) && error.kind === 'invalidInput' && message.test(error.message),
      );
      provider.dispose();
    }
  });
});
