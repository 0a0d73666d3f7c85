// Build step: compiles the freestanding whole-program tests (test/programs/programs.json) as
// static and static-pie x86-64 executables into build/programs/.
const path = require('path');
const { buildProgramSet } = require('../lib/program-set');

const root = path.resolve(__dirname, '..', '..', '..');
const sourceDir = path.join(root, 'test', 'programs');

module.exports = () => buildProgramSet(sourceDir, path.join(root, 'build', 'programs'), [path.join(sourceDir, 'rt.h'), __filename]);
