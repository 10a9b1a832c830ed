// Which libvirt the host drives, from the bus and libvirt-dbus's uid; and what session refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { libvirtConnectionKind, sessionProblems } from '../../src/libvirt/libvirt-connection-kind';
import { refuseWhatNeedsRoot } from '../../src/deploy/preflight-checks';

test('the test driver is test; the system bus or a root libvirt-dbus is qemu:///system; a user libvirt-dbus is the session', () => {
  assert.equal(libvirtConnectionKind({ driver: 'test', onSystemBus: false, serviceUserId: 1000 }), 'test');
  assert.equal(libvirtConnectionKind({ driver: 'qemu', onSystemBus: true, serviceUserId: 998 }), 'system');
  assert.equal(libvirtConnectionKind({ driver: 'qemu', onSystemBus: false, serviceUserId: 0 }), 'system');
  assert.equal(libvirtConnectionKind({ driver: 'qemu', onSystemBus: false, serviceUserId: 1000 }), 'session');
});

test('on the session every lab network and every VM on one is named, with how to get qemu:///system', () => {
  const lab = {
    name: 'pair',
    networks: [{ name: 'lan' }, { name: 'back' }],
    vms: [{ name: 'a', networks: ['lan'] }, { name: 'b' }, { name: 'c', networks: [{ name: 'back', ip: '10.0.0.2' }] }],
  };
  const problems = sessionProblems(lab);
  assert.deepEqual(
    problems.map((problem) => problem.field),
    ['/lab/networks/0', '/lab/networks/1', '/lab/vms/0/networks', '/lab/vms/2/networks'],
  );
  assert.match(problems[0]?.message ?? '', /the network "lan" needs root: .*bridge/);
  assert.match(problems[0]?.message ?? '', /libvirt group/);
  assert.deepEqual(sessionProblems({ vms: [{}] }), []);
});

test('apply and plan refuse such a lab on the session only, with the field and every problem in data', () => {
  const lab = {
    name: 'pair',
    networks: [{ name: 'lan', cidr: '10.9.0.0/24' }],
    vms: [{ name: 'a', vcpu: 1, ram_mb: 64, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] }],
  };
  assert.throws(
    () => refuseWhatNeedsRoot(lab, { libvirtConnection: 'session' }),
    (error: Error & { data?: { field: string; problems: unknown[] } }) => {
      assert.match(error.message, /^The lab "pair" cannot run on qemu:\/\/\/session: \/lab\/networks\/0: the network "lan" needs root/);
      assert.match(error.message, /\(and more, see data\.problems\)\.$/);
      assert.equal(error.data?.field, '/lab/networks/0');
      assert.equal(error.data?.problems.length, 2);
      return true;
    },
  );
  refuseWhatNeedsRoot(lab, { libvirtConnection: 'system' });
  refuseWhatNeedsRoot(lab, { libvirtConnection: 'test' });
  refuseWhatNeedsRoot(lab, {});
});
