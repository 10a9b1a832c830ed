// ~/.ssh/config as ssh reads it: aliases, first match wins, Include, ProxyJump chains, and
// hostile files (huge, odd tokens, ProxyCommand, loops) refused with where and why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maximumConfigBytes, parseSshConfig, readUserSshConfig } from '../src/remote/ssh-config';
import { resolveSshRoute } from '../src/remote/ssh-route';

const environment = { home: '/home/ada', localUser: 'ada' };

function route(text: string, destination: string) {
  return resolveSshRoute(destination, parseSshConfig(text, 'config'), environment);
}

describe('ssh_config: where a destination leads', () => {
  test('an alias takes HostName, User, Port and IdentityFile; the first value of each keyword wins', () => {
    const config = [
      '# lab servers',
      'Host lab lab-*',
      '  HostName 10.0.0.5',
      '  User admin',
      '  Port 2222',
      '  IdentityFile ~/.ssh/lab_key',
      'Host *',
      '  User nobody',
      '  Port 22',
      '  IdentityFile %d/.ssh/id_%r',
    ].join('\n');
    assert.deepEqual(route(config, 'lab').target, {
      alias: 'lab',
      user: 'admin',
      host: '10.0.0.5',
      port: 2222,
      identityFiles: ['/home/ada/.ssh/lab_key', '/home/ada/.ssh/id_admin'],
    });
    // What the destination says beats the config.
    assert.deepEqual(route(config, 'root@lab:2200').target, {
      alias: 'lab',
      user: 'root',
      host: '10.0.0.5',
      port: 2200,
      identityFiles: ['/home/ada/.ssh/lab_key', '/home/ada/.ssh/id_root'],
    });
    assert.deepEqual(route(config, 'other').target, {
      alias: 'other',
      user: 'nobody',
      host: 'other',
      port: 22,
      identityFiles: ['/home/ada/.ssh/id_nobody'],
    });
  });

  test('negated patterns, wildcards, %h in HostName, case-insensitive keywords and keyword=value', () => {
    const config = ['HOST *.lab !secret.lab', 'hostname=%h.example.org', 'Host x', '  user = "lab user"'].join('\n');
    assert.equal(route(config, 'a.lab').target.host, 'a.lab.example.org');
    assert.equal(route(config, 'secret.lab').target.host, 'secret.lab');
    assert.throws(() => route(config, 'x'), /config:4: the user name "lab user" is not allowed/);
  });

  test('values before any Host apply to every host; no config means the local user and port 22', () => {
    assert.equal(route('User everyone\nHost a\n  User a-user', 'a').target.user, 'everyone');
    assert.deepEqual(route('', 'server').target, { alias: 'server', user: 'ada', host: 'server', port: 22, identityFiles: [] });
  });

  test('ProxyJump chains: listed hops in order, each resolved through the config, the first one with its own ProxyJump', () => {
    const config = [
      'Host target',
      '  HostName 192.168.1.10',
      '  ProxyJump middle,ssh://ops@edge:2022',
      'Host middle',
      '  HostName 10.1.1.1',
      '  User jump',
      '  ProxyJump bastion',
      'Host edge',
      '  ProxyJump ignored-because-not-first',
      'Host bastion',
      '  HostName bastion.example.org',
      '  Port 443',
    ].join('\n');
    const { jumps, target } = route(config, 'target');
    assert.deepEqual(
      jumps.map((hop) => [hop.user, hop.host, hop.port]),
      [
        ['ada', 'bastion.example.org', 443],
        ['jump', '10.1.1.1', 22],
        ['ops', 'edge', 2022],
      ],
    );
    assert.equal(target.host, '192.168.1.10');
    assert.deepEqual(route('Host a\n ProxyJump none', 'a').jumps, []);
  });
});

describe('ssh_config: ProxyJump loops, ProxyCommand and Match', () => {
  test('a ProxyJump loop is refused with the line', () => {
    assert.throws(() => route('Host a\n ProxyJump b\nHost b\n ProxyJump a', 'a'), /config:4: ProxyJump loops back to a/);
    assert.throws(() => route('Host a\n ProxyJump a', 'a'), /ProxyJump loops back to a/);
  });

  test('ProxyCommand is refused, never run; "ProxyCommand none" is fine', () => {
    const config = 'Host evil\n  ProxyCommand sh -c "touch /tmp/pwned"\nHost fine\n  ProxyCommand none';
    assert.throws(() => route(config, 'evil'), /config:2: ProxyCommand applies to evil, and VLM does not run commands/);
    assert.equal(route(config, 'fine').target.host, 'fine');
  });

  test('Match blocks are reported and never applied', () => {
    const config = parseSshConfig('Match exec "rm -rf ~"\n  HostName elsewhere\nHost *\n  Port 2200', 'config');
    assert.match(config.problems[0] ?? '', /config:1: Match blocks are not supported/);
    const { target } = resolveSshRoute('a', config, environment);
    assert.deepEqual([target.host, target.port], ['a', 2200]);
  });
});

describe('ssh_config: hostile input', () => {
  test('names that would reach a shell are refused, with the line', () => {
    assert.throws(() => route('Host a\n HostName "x; rm -rf /"', 'a'), /config:2: the host name "x; rm -rf \/" is not allowed/);
    assert.throws(() => route('Host a\n HostName $(id)', 'a'), /not allowed/);
    assert.throws(() => route('Host a\n User `id`', 'a'), /config:2: the user name/);
    assert.throws(() => route('Host a\n HostName %l', 'a'), /config:2: the token %l is not supported/);
    assert.throws(() => route('Host a\n Port 70000', 'a'), /config:2: Port must be a number from 1 to 65535/);
    assert.throws(() => route('Host a\n Port 22abc', 'a'), /Port must be a number/);
    assert.throws(() => route('', '-oProxyCommand=x'), /host name "-oProxyCommand=x" is not allowed/);
  });

  test('odd lines: unclosed quotes, NUL, CRLF, tabs, comments after values', () => {
    const config = parseSshConfig(
      'Host a\r\n\tHostName\t"a.example.org" # the a server\r\nHost b\n  HostName "unclosed\nUser x\0y',
      'config',
    );
    assert.deepEqual(config.problems, [
      'config:4: a quote is not closed; the line was ignored.',
      'config:5 holds a NUL character; the line was ignored.',
    ]);
    assert.equal(resolveSshRoute('a', config, environment).target.host, 'a.example.org');
    assert.equal(resolveSshRoute('b', config, environment).target.host, 'b');
  });

  test('a huge file is not read, and says so', () => {
    const config = parseSshConfig(`Host a\n HostName b\n${'#'.repeat(maximumConfigBytes)}`, 'config');
    assert.equal(config.directives.length, 0);
    assert.match(config.problems[0] ?? '', /config is larger than 1024 KiB; it was not read/);
  });

  test('many thousands of Host blocks are read up to a limit, not without end', () => {
    const text = Array.from({ length: 30_000 }, (_, index) => `Host h${index}\n HostName x${index}`).join('\n');
    const config = parseSshConfig(text, 'config');
    assert.match(config.problems.at(-1) ?? '', /more than 20000 settings/);
    assert.equal(resolveSshRoute('h5', config, environment).target.host, 'x5');
  });
});

describe('ssh_config: Include', () => {
  test('relative includes are under ~/.ssh, wildcards take files in name order, inside a Host block only for that host', () => {
    const home = mkdtempSync(join(tmpdir(), 'vlm-ssh-config-'));
    try {
      mkdirSync(join(home, '.ssh', 'config.d'), { recursive: true });
      writeFileSync(join(home, '.ssh', 'config'), 'Include config.d/*.conf\nHost b\n  Include ~/.ssh/only-b\nHost *\n  User fallback\n');
      writeFileSync(join(home, '.ssh', 'config.d', '10-a.conf'), 'Host a\n  HostName a.one\n');
      writeFileSync(join(home, '.ssh', 'config.d', '20-a.conf'), 'Host a\n  HostName a.two\n  User a-user\n');
      writeFileSync(join(home, '.ssh', 'config.d', 'notes.txt'), 'Host a\n  HostName never\n');
      writeFileSync(join(home, '.ssh', 'only-b'), 'Port 2201\n');
      const config = readUserSshConfig(home);
      assert.deepEqual(config.problems, []);
      const env = { home, localUser: 'ada' };
      assert.deepEqual([resolveSshRoute('a', config, env).target.host, resolveSshRoute('a', config, env).target.user], ['a.one', 'a-user']);
      assert.equal(resolveSshRoute('b', config, env).target.port, 2201);
      assert.equal(resolveSshRoute('c', config, env).target.port, 22);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('an Include loop stops at 16 levels with a clear sentence; a missing file is no error', () => {
    const home = mkdtempSync(join(tmpdir(), 'vlm-ssh-config-'));
    try {
      mkdirSync(join(home, '.ssh'));
      writeFileSync(join(home, '.ssh', 'config'), 'Include config\nInclude nothing-here\nHost a\n HostName z\n');
      const config = readUserSshConfig(home);
      assert.match(config.problems[0] ?? '', /Include nests deeper than 16 files \(a loop\?\); it was not followed/);
      assert.equal(resolveSshRoute('a', config, { home, localUser: 'ada' }).target.host, 'z');
      assert.deepEqual(readUserSshConfig(join(home, 'nobody-home')), { directives: [], problems: [] });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('without a file reader, Include is reported rather than silently skipped', () => {
    assert.match(parseSshConfig('Include other', 'config').problems[0] ?? '', /config:1: Include is not followed here/);
  });
});
