// Entry of the lab language server bundle: `node dist/server.js --stdio`.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLabServer } from './lab-server';

const connection = createConnection(ProposedFeatures.all);
// A bug must cost one answer, not the server: log it and keep serving.
process.on('uncaughtException', (error) => connection.console.error(`Uncaught: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) => connection.console.error(`Unhandled rejection: ${String(reason)}`));
startLabServer(connection);
