// One command over SSH to a guest's forwarded port on loopback, for real-guest tests.
import { Client as SshClient } from 'ssh2';

/** Runs one command as root over SSH and returns its standard output. */
export function sshRun(port: number, privateKey: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new SshClient();
    client.on('error', reject);
    client.on('ready', () => {
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        let output = '';
        stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        stream.stderr.on('data', () => undefined);
        stream.on('close', () => {
          client.end();
          resolve(output);
        });
      });
    });
    client.connect({ host: '127.0.0.1', port, username: 'root', privateKey, readyTimeout: 60_000, hostVerifier: () => true });
  });
}
