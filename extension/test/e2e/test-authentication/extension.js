// A sign-in for the GitHub sync's end-to-end test only: the real OAuth sign-in needs github.com,
// which a test may not reach, so this provider hands VS Code a session with the fixed token of
// session.json, the one the loopback GitHub stand-in accepts. The test installs it into its own
// code-server next to the extension; the extension finds it through vlm.github.authenticationProvider.
const vscode = require('vscode');
const fixed = require('./session.json');

exports.activate = (context) => {
  const sessions = [];
  const changed = new vscode.EventEmitter();
  const provider = {
    onDidChangeSessions: changed.event,
    getSessions: async () => sessions,
    createSession: async (scopes) => {
      const session = { id: 'vlm-test-session', accessToken: fixed.accessToken, account: fixed.account, scopes };
      sessions.splice(0, sessions.length, session);
      changed.fire({ added: [session], removed: [], changed: [] });
      return session;
    },
    removeSession: async () => {
      const removed = sessions.splice(0, sessions.length);
      changed.fire({ added: [], removed, changed: [] });
    },
  };
  context.subscriptions.push(
    changed,
    vscode.authentication.registerAuthenticationProvider(fixed.providerId, 'VLM Test GitHub', provider, {
      supportsMultipleAccounts: false,
    }),
  );
};
