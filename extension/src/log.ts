// The "Virtual Labs" output channel, and the one way errors reach the user: a notification
// that names what failed, with a button to the log. Cancellations stay silent.
import * as vscode from 'vscode';
import { errorMessage, isCancellation } from './errors';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Virtual Labs', { log: true });

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  show(): void {
    this.channel.show(true);
  }

  /** Logs the failure of `action` (such as "deploy web-lab") and tells the user, unless it was cancelled. */
  async reportError(action: string, error: unknown): Promise<void> {
    if (isCancellation(error)) {
      this.channel.debug(`${action}: cancelled`);
      return;
    }
    this.channel.error(`Could not ${action}:`, error instanceof Error ? error : String(error));
    const choice = await vscode.window.showErrorMessage(`Could not ${action}: ${errorMessage(error)}`, 'Show Log');
    if (choice === 'Show Log') this.show();
  }

  dispose(): void {
    this.channel.dispose();
  }
}
