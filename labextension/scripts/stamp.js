/*
 * Record which sources the built extension was built from, so a test can tell
 * when reactive_kernel/labextension is older than labextension/ (someone
 * edited the sources and did not run `npm run build`).
 *
 * The digest is SHA-256 over, for each source file in sorted order, its path
 * relative to labextension/, a NUL, its bytes, a NUL; the test in
 * tests/e2e_lab/test_build.py computes the same.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const SOURCES = ['package.json', 'tsconfig.json', 'install.json', 'schema', 'src', 'style'];

function files(rel) {
  const full = path.join(root, rel);
  if (!fs.existsSync(full)) {
    return [];
  }
  if (fs.statSync(full).isDirectory()) {
    return fs
      .readdirSync(full)
      .flatMap(name => files(path.posix.join(rel, name)));
  }
  return [rel];
}

const list = SOURCES.flatMap(files).sort();
const hash = crypto.createHash('sha256');
for (const rel of list) {
  hash.update(rel + '\0');
  hash.update(fs.readFileSync(path.join(root, rel)));
  hash.update('\0');
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(root, pkg.jupyterlab.outputDir, 'build-stamp.json');
fs.writeFileSync(
  out,
  JSON.stringify({ sources_sha256: hash.digest('hex'), files: list }, null, 1) + '\n'
);
console.log(`stamped ${path.relative(process.cwd(), out)} (${list.length} source files)`);
