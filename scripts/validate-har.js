#!/usr/bin/env node
// Validates HAR files against the HAR 1.2 JSON schema with the npm package har-validator.
// usage: NODE_PATH=/path/to/node_modules node scripts/validate-har.js FILE.har [...]
// Exit 0 when all are valid; 1 with the schema errors otherwise.
const fs = require('fs');
const validator = require('har-validator');
let failed = 0;
(async () => {
  for (const f of process.argv.slice(2)) {
    const har = JSON.parse(fs.readFileSync(f, 'utf8'));
    try {
      await validator.har(har);
      console.log(`valid: ${f}`);
    } catch (e) {
      failed++;
      console.log(`INVALID: ${f}: ${JSON.stringify(e.errors || e.message, null, 1).slice(0, 4000)}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
