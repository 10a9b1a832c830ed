// The real vlm-host process on libvirt's test driver, asked about labs, consoles and images over
// its Unix socket: plans, refused labs, console errors and the image catalog.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesWriteRequest,
  HostErrorCode,
  ImagesListRequest,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsGetRequest,
  LabsListRequest,
  LabsPlanRequest,
} from '@vlm/schemas/src/host-protocol';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';
import { tinyLab } from '../support/tiny-lab';

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'host-api-labs-images', socketPath: join('run', 'vlm-host.sock') });
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm-host over its Unix socket (test driver): labs and consoles', () => {
  test('labs: plan a new lab, refuse inconsistent ones, unknown labs are not found', async () => {
    const plan = await fixture.client.sendRequest(LabsPlanRequest.type, { lab: tinyLab('web-lab') });
    assert.equal(plan.newLab, true);
    const created = plan.steps.filter((step) => step.action === 'create').map((step) => `${step.kind}:${step.resource}`);
    const pool = volumePoolFor(fixture.dataDirectory);
    assert.deepEqual(created, [
      'network:web-lab.lan',
      `volume:${pool}/web-lab.web.qcow2`,
      'domain:web-lab.web',
      'port:ssh:allocated',
      'port:vnc:allocated',
      `volume:${pool}/web-lab.db.qcow2`,
      'domain:web-lab.db',
      'port:ssh:allocated',
      'port:vnc:allocated',
    ]);
    // Planning records nothing.
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);

    const broken = tinyLab('broken');
    (broken.vms[1] as { networks: unknown[] }).networks = ['wan'];
    (broken.vms[0] as { depends_on: string[] }).depends_on = ['db'];
    (broken.vms[1] as { depends_on: string[] }).depends_on = ['web'];
    const error = await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab: broken }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/1/networks/0',
      message: /network "wan" is not declared/,
    });
    assert.ok(error.data?.problems?.some((problem) => /dependency cycle: web → db → web/.test(problem.message)));

    await rejectsWithHostError(fixture.client.sendRequest(LabsGetRequest.type, { name: 'nope' }), HostErrorCode.NotFound, {
      field: '/name',
    });
    await rejectsWithHostError(fixture.client.sendRequest(LabsApplyRequest.type, { lab: broken }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/1/networks/0',
    });
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('consoles: a VM without a serial pty and an unknown console id get clear errors', async () => {
    await rejectsWithHostError(fixture.client.sendRequest(ConsolesOpenRequest.type, { vm: 'test' }), HostErrorCode.InvalidState, {
      field: '/vm',
      message: /VM "test" has no serial console on a pty/,
    });
    await rejectsWithHostError(
      fixture.client.sendRequest(ConsolesWriteRequest.type, { consoleId: 'a'.repeat(32), data: 'ls\n' }),
      HostErrorCode.NotFound,
      { field: '/consoleId' },
    );
    await rejectsWithHostError(
      fixture.client.sendRequest(ConsolesCloseRequest.type, { consoleId: '../../dev/sda' }),
      HostErrorCode.InvalidParams,
      {
        field: '/consoleId',
        allowed: /32 lowercase hex digits/,
      },
    );
  });
});

describe('vlm-host over its Unix socket (test driver): images', () => {
  test('images: listed from the catalog; vlm-tiny is pulled by building it; unknown names are refused', async () => {
    const listed = await fixture.client.sendRequest(ImagesListRequest.type, {});
    assert.deepEqual(
      listed.images.map((image) => [image.name, image.present]),
      [
        ['debian-12', false],
        ['ubuntu-24.04', false],
        ['vlm-tiny', false],
      ],
    );
    await rejectsWithHostError(fixture.client.sendRequest(ImagesPullRequest.type, { name: 'windows' }), HostErrorCode.NotFound, {
      field: '/name',
      allowed: /debian-12, ubuntu-24\.04, vlm-tiny/,
    });
    // Built-in download images would reach the internet: downloads are tested against a loopback
    // server in test/images-pull/.
    const pulled = await fixture.client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
    assert.equal(pulled.present, true);
    const manifest = JSON.parse(await readFile(join(fixture.dataDirectory, 'images', 'vlm-tiny', 'manifest.json'), 'utf8'));
    assert.equal(manifest.name, 'vlm-tiny');
    assert.equal(
      (await fixture.client.sendRequest(ImagesListRequest.type, {})).images.find((image) => image.name === 'vlm-tiny')?.present,
      true,
    );
  });
});
