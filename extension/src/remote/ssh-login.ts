// How VLM logs in over SSH, in the order `ssh` tries: the agent, key files (a passphrase asked
// for, or taken from the secret store), keyboard-interactive, then passwords. What to ask the
// user and where secrets live are interfaces, so this file has no `vscode` import.
import { utils as sshUtils, type AnyAuthMethod, type AuthenticationType, type KeyboardInteractiveCallback, type Prompt } from 'ssh2';
import { formatSshDestination, type SshDestination } from './ssh-destination';

/** Where passwords live: VS Code's SecretStorage in the extension, a map in tests. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export interface UnknownHostKey {
  /** As known_hosts would name it: "host" or "[host]:port". */
  name: string;
  keyType: string;
  /** "SHA256:..." */
  fingerprint: string;
}

export interface KeyboardInteractiveRequest {
  name: string;
  instructions: string;
  prompts: Array<{ prompt: string; echo: boolean }>;
}

export interface RemoteHostPrompts {
  /** Asked when known_hosts has no key for the host; true records the key and goes on. */
  confirmHostKey(key: UnknownHostKey): Promise<boolean>;
  /** Asked when no stored password works; undefined cancels. `retry` when a password was just refused. */
  askPassword(destination: string, retry: boolean): Promise<string | undefined>;
  /** The passphrase of an encrypted key file; undefined skips that key. */
  askPassphrase(keyPath: string, retry: boolean): Promise<string | undefined>;
  /** The server's keyboard-interactive questions, one answer each; undefined cancels. */
  answerKeyboardInteractive(destination: string, request: KeyboardInteractiveRequest): Promise<string[] | undefined>;
}

/** What one login needs, with defaults filled in and key files read. */
export interface Login {
  destination: SshDestination;
  where: string;
  secrets: SecretStore;
  prompts: RemoteHostPrompts;
  log: (line: string) => void;
  keys: Array<{ path: string; key: Buffer }>;
  agentSocket: string;
  /** Keep passphrases typed for key files in the secret store. */
  rememberPassphrases: boolean;
  /** Why the connection failed, when we know better than ssh2's own message. */
  failure?: Error;
}

export function passwordSecretKey(destination: SshDestination): string {
  return `vlm.ssh.password/${formatSshDestination(destination)}`;
}

export function passphraseSecretKey(keyPath: string): string {
  return `vlm.ssh.passphrase/${keyPath}`;
}

/** A cancelled prompt: the extension's error reporting stays silent for it. */
export class SshCancelled extends Error {
  override name = 'Canceled';
}

const maximumAttempts = 3;

function decrypts(key: Buffer, passphrase: string): boolean {
  return !(sshUtils.parseKey(key, passphrase) instanceof Error);
}

/**
 * The login methods in order. A typed password that worked is stored after login; a typed
 * passphrase is checked against the key file itself, and kept when the user asked for it.
 */
export class LoginMethods {
  private readonly methods: Array<() => Promise<AnyAuthMethod | undefined>> = [];
  private readonly secretKey: string;
  private passwordAttempts = 0;
  private keyboardAttempts = 0;
  private triedStoredPassword = false;
  private lastPassword: { value: string; prompted: boolean } | undefined;

  constructor(private readonly login: Login) {
    this.secretKey = passwordSecretKey(login.destination);
    const username = login.destination.user;
    if (login.agentSocket) this.methods.push(async () => ({ type: 'agent', username, agent: login.agentSocket }));
    for (const { path, key } of login.keys) {
      this.methods.push(async () => {
        login.log(`${login.where}: trying the key ${path}`);
        return this.keyMethod(path, key);
      });
    }
  }

  /** For ssh2's authHandler: the next method the server allows, or false when none is left. */
  async next(methodsLeft: AuthenticationType[]): Promise<AnyAuthMethod | false> {
    const allowed = (type: AuthenticationType) => !methodsLeft || methodsLeft.includes(type === 'agent' ? 'publickey' : type);
    if (this.login.failure instanceof SshCancelled) return false;
    for (let take = this.methods.shift(); take; take = this.methods.shift()) {
      const method = await take();
      if (method && allowed(method.type)) return method;
      if (this.login.failure instanceof SshCancelled) return false;
    }
    if (allowed('keyboard-interactive') && this.keyboardAttempts < maximumAttempts) {
      this.keyboardAttempts += 1;
      return this.keyboardMethod();
    }
    if (allowed('password')) {
      const method = await this.nextPassword();
      if (method) return method;
    }
    const tried = [this.login.agentSocket ? 'the SSH agent' : '', this.login.keys.length ? 'your key files' : '', 'a password']
      .filter(Boolean)
      .join(', ');
    this.login.failure ??= new Error(
      `Could not log in to ${this.login.where}: the server accepted none of ${tried}. Check the user name, or add your public key to the server's authorized_keys.`,
    );
    return false;
  }

  async storeTypedPassword(): Promise<void> {
    if (this.lastPassword?.prompted) await this.login.secrets.store(this.secretKey, this.lastPassword.value);
  }

  /** A key file; an encrypted one with its passphrase (stored, else asked for), or skipped. */
  private async keyMethod(path: string, key: Buffer): Promise<AnyAuthMethod | undefined> {
    const { secrets, prompts, log, destination } = this.login;
    const parsed = sshUtils.parseKey(key);
    if (!(parsed instanceof Error)) return { type: 'publickey', username: destination.user, key };
    if (!/no passphrase given/.test(parsed.message)) {
      log(`${this.login.where}: skipped ${path}, which is not a key this client reads (${parsed.message}).`);
      return undefined;
    }
    const secretKey = passphraseSecretKey(path);
    const stored = await secrets.get(secretKey);
    if (stored !== undefined) {
      if (decrypts(key, stored)) return { type: 'publickey', username: destination.user, key, passphrase: stored };
      await secrets.delete(secretKey);
    }
    for (let attempt = 0; attempt < maximumAttempts; attempt += 1) {
      const typed = await prompts.askPassphrase(path, attempt > 0);
      if (typed === undefined) return undefined;
      if (decrypts(key, typed)) {
        if (this.login.rememberPassphrases) await secrets.store(secretKey, typed);
        return { type: 'publickey', username: destination.user, key, passphrase: typed };
      }
    }
    log(`${this.login.where}: skipped ${path} after ${maximumAttempts} wrong passphrases.`);
    return undefined;
  }

  private keyboardMethod(): AnyAuthMethod {
    const { prompts, where, destination } = this.login;
    const prompt = (name: string, instructions: string, _language: string, questions: Prompt[], finish: KeyboardInteractiveCallback) => {
      const request = {
        name,
        instructions,
        prompts: questions.map((question) => ({ prompt: question.prompt, echo: question.echo === true })),
      };
      void prompts.answerKeyboardInteractive(where, request).then(
        (answers) => {
          if (answers === undefined) this.login.failure = new SshCancelled(`Login to ${where} was cancelled.`);
          finish(answers ?? []);
        },
        (error: unknown) => {
          this.login.failure = error instanceof Error ? error : new Error(String(error));
          finish([]);
        },
      );
    };
    return { type: 'keyboard-interactive', username: destination.user, prompt } as AnyAuthMethod;
  }

  private async nextPassword(): Promise<AnyAuthMethod | undefined> {
    const { secrets, prompts, destination, where } = this.login;
    if (this.passwordAttempts >= maximumAttempts) return undefined;
    if (!this.triedStoredPassword) {
      this.triedStoredPassword = true;
      const stored = await secrets.get(this.secretKey);
      if (stored !== undefined) {
        this.lastPassword = { value: stored, prompted: false };
        this.passwordAttempts += 1;
        return { type: 'password', username: destination.user, password: stored };
      }
    }
    const refused = this.lastPassword !== undefined;
    // A stored password that no longer works is forgotten.
    if (this.lastPassword && !this.lastPassword.prompted) await secrets.delete(this.secretKey);
    const typed = await prompts.askPassword(where, refused);
    if (typed === undefined) {
      this.login.failure = new SshCancelled(`Password entry for ${where} was cancelled.`);
      return undefined;
    }
    this.lastPassword = { value: typed, prompted: true };
    this.passwordAttempts += 1;
    return { type: 'password', username: destination.user, password: typed };
  }
}
