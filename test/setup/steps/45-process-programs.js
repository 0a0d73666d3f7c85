// Build step: compiles the process, signal, time, fault and mapping programs (test/programs2/programs.json)
// as static and static-pie x86-64 executables into build/programs2/.
const path = require('path');
const { buildProgramSet } = require('../lib/program-set');

const root = path.resolve(__dirname, '..', '..', '..');
const sourceDir = path.join(root, 'test', 'programs2');

module.exports = () => buildProgramSet(sourceDir, path.join(root, 'build', 'programs2'),
  [path.join(sourceDir, 'rt-process.h'), path.join(root, 'test', 'programs', 'rt.h'), __filename]);
