// ACCOUNT/LOCATION/INSTANCE: printed by `vlm cloud list`, read back by start/stop/reboot, with
// instance ids that hold slashes and hostile text refused with the part that is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceAddressError, addressOf, formatInstanceAddress, parseInstanceAddress } from '../src/instance-address';

describe('instance address', () => {
  it('round-trips ids with slashes and locations with / and %', () => {
    const cases = [
      { accountId: 'prod', location: 'eu-west-1', instanceId: 'i-0abc123' },
      { accountId: 'home', location: 'pve1', instanceId: 'pve1/101' },
      {
        accountId: 'az',
        location: 'westeurope',
        instanceId: '/subscriptions/1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
      },
      { accountId: 'vc', location: 'DC0/sub%folder', instanceId: 'vm-42' },
    ];
    for (const address of cases) assert.deepEqual(parseInstanceAddress(formatInstanceAddress(address)), address);
    assert.equal(formatInstanceAddress(cases[3] as (typeof cases)[number]), 'vc/DC0%2Fsub%25folder/vm-42');
    assert.equal(addressOf({ accountId: 'home', location: 'pve1', id: 'pve1/101' }), 'home/pve1/pve1/101');
  });

  it('reads LOCATION/INSTANCE when the account is given apart', () => {
    assert.deepEqual(parseInstanceAddress('pve1/pve1/101', 'home'), { accountId: 'home', location: 'pve1', instanceId: 'pve1/101' });
  });

  it('refuses hostile and incomplete addresses, naming what is wrong', () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['i-123', undefined, /is not ACCOUNT\/LOCATION\/INSTANCE, as 'vlm cloud list' prints it/],
      ['prod/eu-west-1/', undefined, /is not ACCOUNT\/LOCATION\/INSTANCE/],
      ['prod//i-1', undefined, /is not ACCOUNT\/LOCATION\/INSTANCE/],
      ['../etc/passwd', undefined, /does not start with an account id/],
      ['prod/eu west/i-1', undefined, /holds spaces or control characters/],
      ['prod/eu-west-1/i-1\n', undefined, /holds spaces or control characters/],
      ['prod/%41/i-1', undefined, /is not ACCOUNT\/LOCATION\/INSTANCE/],
      [`prod/r/${'x'.repeat(2048)}`, undefined, /longer than 2048 characters/],
      ['i-1', 'prod', /is not LOCATION\/INSTANCE \(the account is given apart\)/],
      ['r/i-1', '$(x)', /does not start with an account id/],
    ];
    for (const [written, account, expected] of cases) {
      assert.throws(
        () => parseInstanceAddress(written, account),
        (error: unknown) => error instanceof InstanceAddressError && expected.test(error.message),
        JSON.stringify(written),
      );
    }
  });
});
