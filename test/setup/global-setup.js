// Jest global setup: runs each build step in test/setup/steps (native runners, test programs)
// once before the tests; each step builds into build/ and skips work that is up to date.
const fs = require('fs');
const path = require('path');

module.exports = async function globalSetup() {
  const dir = path.join(__dirname, 'steps');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    await require(path.join(dir, file))();
  }
};
