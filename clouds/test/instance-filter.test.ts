// The filter: name parts in any case, key=value tags, state: and provider: terms, all combined.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterError, filterInstances, parseInstanceFilter } from '../src/instance-filter';
import { instance } from './in-memory-provider';

const instances = [
  instance('prod', 'eu-west-1', 'i-1', { name: 'Web-Server-1', tags: { Env: 'Prod', Team: 'web' } }),
  instance('prod', 'eu-west-1', 'i-2', { name: 'db-primary', state: 'stopped', tags: { Env: 'Prod', Name: 'db primary' } }),
  instance('home', 'pve1', 'pve1/101', { provider: 'proxmox', name: 'web-test', tags: { env: 'test' } }),
  instance('gcp', 'europe-west1-b', 'vm-9', { provider: 'gcp', name: 'batch', state: 'pending' }),
];

function ids(text: string): string[] {
  return filterInstances(instances, parseInstanceFilter(text)).map((found) => found.id);
}

describe('instance filter', () => {
  it('matches name parts anywhere in the name, in any case', () => {
    assert.deepEqual(ids(''), ['i-1', 'i-2', 'pve1/101', 'vm-9']);
    assert.deepEqual(ids('WEB'), ['i-1', 'pve1/101']);
    assert.deepEqual(ids('web server'), ['i-1'], 'every word must match');
    assert.deepEqual(ids('nothing-like-it'), []);
  });

  it('matches key=value tags, key and value in any case, the whole value', () => {
    assert.deepEqual(ids('env=prod'), ['i-1', 'i-2']);
    assert.deepEqual(ids('Env=test'), ['pve1/101']);
    assert.deepEqual(ids('env=pro'), [], 'a tag value is matched whole');
    assert.deepEqual(ids('"name=db primary"'), ['i-2'], 'a quoted term may hold spaces');
    assert.deepEqual(ids('team='), [], 'an empty value matches only an empty tag');
  });

  it('matches state: and provider: terms, any of several', () => {
    assert.deepEqual(ids('state:stopped'), ['i-2']);
    assert.deepEqual(ids('state:running state:pending'), ['i-1', 'pve1/101', 'vm-9']);
    assert.deepEqual(ids('provider:proxmox'), ['pve1/101']);
    assert.deepEqual(ids('Provider:GCP'), ['vm-9']);
  });

  it('combines every kind of term', () => {
    assert.deepEqual(ids('web env=prod state:running provider:aws'), ['i-1']);
    assert.deepEqual(ids('web env=prod state:stopped'), []);
  });

  it('refuses terms it cannot read, saying what is allowed', () => {
    const cases: Array<[string, RegExp]> = [
      ['state:sleeping', /^the filter term state:sleeping names no state; states: pending, running, stopping, stopped/],
      ['provider:ibm', /^the filter term provider:ibm names no provider; providers: aws, proxmox, azure, gcp, vsphere$/],
      ['=prod', /^the filter term =prod has no tag key before '='/],
      ['"env=prod', /unmatched '"'/],
      ['x'.repeat(1001), /longer than 1000 characters/],
    ];
    for (const [text, expected] of cases)
      assert.throws(
        () => parseInstanceFilter(text),
        (error: unknown) => error instanceof FilterError && expected.test(error.message),
      );
  });
});
