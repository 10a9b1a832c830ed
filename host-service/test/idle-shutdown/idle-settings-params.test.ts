// The host refuses idle settings it could not honour before anything is planned: the same schema
// the editor uses, with messages naming the field and what is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramsError } from '../../src/api/params-validation';

const lab = { name: 'idle-lab', vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] };

test('idle settings within range are accepted', () => {
  assert.equal(paramsError('vlm/labs/apply', { lab: { ...lab, idle_shutdown_minutes: 1 } }), undefined);
  assert.equal(paramsError('vlm/labs/plan', { lab: { ...lab, idle_shutdown_minutes: 10080, idle_cpu_percent: 100 } }), undefined);
});

test('bad idle settings name the field', () => {
  for (const [extra, field] of [
    [{ idle_shutdown_minutes: 0 }, '/lab/idle_shutdown_minutes'],
    [{ idle_shutdown_minutes: 0.5 }, '/lab/idle_shutdown_minutes'],
    [{ idle_shutdown_minutes: 10081 }, '/lab/idle_shutdown_minutes'],
    [{ idle_shutdown_minutes: '5' }, '/lab/idle_shutdown_minutes'],
    [{ idle_shutdown_minutes: 5, idle_cpu_percent: 0 }, '/lab/idle_cpu_percent'],
    [{ idle_shutdown_minutes: 5, idle_cpu_percent: 101 }, '/lab/idle_cpu_percent'],
  ] as const) {
    const error = paramsError('vlm/labs/apply', { lab: { ...lab, ...extra } });
    assert.equal(error?.data?.field, field, JSON.stringify(extra));
  }
});

test('a threshold without idle_shutdown_minutes is refused, saying it needs it', () => {
  const error = paramsError('vlm/labs/apply', { lab: { ...lab, idle_cpu_percent: 5 } });
  assert.equal(error?.data?.field, '/lab/idle_cpu_percent');
  assert.equal(
    error?.message,
    'vlm/labs/apply: /lab/idle_cpu_percent: "idle_cpu_percent" is given without "idle_shutdown_minutes"; allowed: "idle_cpu_percent" only together with "idle_shutdown_minutes".',
  );
});
