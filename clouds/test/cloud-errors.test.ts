// CloudError is recognised by its brand, so one thrown by a provider bundled apart (the CLI loads
// each provider from its own file, with its own copy of this module) is still a CloudError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudError, isCloudError } from '../src/cloud-errors';

describe('CloudError', () => {
  it("is recognised by its brand, not by this copy's prototype", () => {
    const fromAnotherCopy = Object.assign(new Error('throttled'), { [Symbol.for('vlm.CloudError')]: true });
    assert.ok(fromAnotherCopy instanceof CloudError);
    assert.ok(isCloudError(new CloudError('quota', 'gcp', 'no more CPUs')));
    assert.ok(!(new Error('plain') instanceof CloudError));
    assert.ok(!isCloudError({ kind: 'auth', message: 'a look-alike without the brand' }));
    assert.ok(!isCloudError(null));
  });

  it('leaves instanceof of subclasses to their prototypes', () => {
    class ThrottledError extends CloudError {}
    assert.ok(new ThrottledError('throttled', 'aws', 'slow down') instanceof ThrottledError);
    assert.ok(!(new CloudError('throttled', 'aws', 'slow down') instanceof ThrottledError));
  });
});
