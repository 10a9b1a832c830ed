#!/usr/bin/env node
// Launcher for the bundled host service; `npm ci` builds it through the root `prepare` script.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'vlm-host.js');
if (!existsSync(bundle)) {
  console.error('vlm-host is not built yet: run "npm run build" in the repository root.');
  process.exit(2);
}
require(bundle);
