#!/usr/bin/env node
/*
 * The `logferry` command. This file is deliberately plain ES5 CommonJS: any
 * Node.js, however old, can parse it, so an old Node gets one line saying
 * what to install instead of a SyntaxError from the daemon's modules (which
 * use APIs only newer Node has). After the check the real command is loaded
 * with import(), which then re-executes in place with the OpenSSL settings.
 */
'use strict';

var path = require('path');
var fs = require('fs');

/* process.execve (the in-place re-execution) arrived in 22.15 and 23.11 */
var NEEDED = 'Node.js >= 22.15 (on 23.x: >= 23.11)';

/**
 * Returns undefined when `version` (e.g. "v20.20.2") can run logferry, else
 * the one line to print. `nodeScript`: scripts/node.sh when it exists.
 */
function nodeVersionProblem(version, execPath, nodeScript) {
  var m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version));
  if (m) {
    var major = Number(m[1]);
    var minor = Number(m[2]);
    if (major >= 24 || (major === 23 && minor >= 11) || (major === 22 && minor >= 15)) return undefined;
  }
  return (
    'logferry needs ' + NEEDED + ', but this is Node.js ' + version + ' (' + execPath + '): ' +
    'install Node.js 24 from https://nodejs.org' +
    (nodeScript ? ', or run `bash ' + nodeScript + '` (fetches Node.js 24 from the npm registry and prints its path; put that directory first on PATH)' : '')
  );
}

/**
 * The command's code: the TypeScript sources in a checkout when this Node
 * runs them directly (always current, no build step), else the build in
 * dist/ (the published package ships only dist/, and Node does not run
 * TypeScript from node_modules).
 */
function mainModule(root, canStripTypes) {
  var src = path.join(root, 'src', 'cli', 'main.ts');
  var dist = path.join(root, 'dist', 'cli', 'main.js');
  // Node refuses to strip types of files under node_modules
  var installed = root.split(path.sep).indexOf('node_modules') >= 0;
  if (canStripTypes && !installed && fs.existsSync(src)) return src;
  if (fs.existsSync(dist)) return dist;
  return undefined;
}

function run() {
  var root = path.resolve(__dirname, '..');
  var nodeScript = path.join(root, 'scripts', 'node.sh');
  var problem = nodeVersionProblem(process.version, process.execPath, fs.existsSync(nodeScript) ? nodeScript : undefined);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
  var main = mainModule(root, Boolean(process.features && process.features.typescript));
  if (!main) {
    process.stderr.write('logferry: ' + path.join(root, 'dist', 'cli', 'main.js') + ' is missing; build it with `npm run build` in ' + root + '\n');
    process.exit(1);
  }
  import(require('url').pathToFileURL(main).href).catch(function (err) {
    process.stderr.write('logferry: cannot load ' + main + ': ' + (err && err.message ? err.message : String(err)) + '\n');
    process.exit(1);
  });
}

module.exports = { nodeVersionProblem: nodeVersionProblem, mainModule: mainModule, NEEDED: NEEDED };

if (require.main === module) run();
