#!/usr/bin/env node
// Builds the native engine (native/engine.c) with the C compiler, against the Node-API headers of
// the running Node. Plain JavaScript, so that it runs at `npm install` before anything is built.
//
//   node scripts/buildNative.mjs             build/native/goon-probe-engine.node
//   node scripts/buildNative.mjs --install   the same, but never fails the install: without a
//                                            compiler (or with a prebuild for this platform
//                                            already in the package) it says so and goes on
//   node scripts/buildNative.mjs --prebuild  prebuilds/<platform>-<arch>/goon-probe-engine.node,
//                                            shipped in the package (npm pack runs it)
//   node scripts/buildNative.mjs --sanitize  build/native-asan/…: AddressSanitizer and
//                                            UndefinedBehaviorSanitizer, for the engine's tests
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ADDON = 'goon-probe-engine.node';
const args = new Set(process.argv.slice(2));
const install = args.has('--install');
const target = `${platform()}-${arch()}`;

function say(line) {
  process.stderr.write(`goon-probe: ${line}\n`);
}

function giveUp(why) {
  if (install) {
    say(`${why}; the TypeScript engine will run (goon-probe doctor says which engine a run gets)`);
    process.exit(0);
  }
  say(why);
  process.exit(1);
}

if (platform() !== 'linux') giveUp(`the native engine is built for Linux only (this is ${platform()})`);
if (install && existsSync(join(ROOT, 'prebuilds', target, ADDON))) {
  say(`native engine: using the prebuild for ${target}`);
  process.exit(0);
}
if (!existsSync(join(ROOT, 'native', 'engine.c'))) giveUp('native/engine.c is not in this package');

/** The directory holding node_api.h: next to this Node, the system's, or the node-api-headers package. */
function headers() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/include/nodejs',
    '/usr/local/include/node',
    join(ROOT, 'node_modules', 'node-api-headers', 'include'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h'))) ?? null;
}

const include = headers();
if (!include) giveUp('no Node-API headers (node_api.h) were found for the native engine');
const cc = process.env.CC || 'cc';
const sanitize = args.has('--sanitize');
const outDir = args.has('--prebuild')
  ? join(ROOT, 'prebuilds', target)
  : join(ROOT, 'build', sanitize ? 'native-asan' : 'native');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, ADDON);
const flags = sanitize
  ? ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined']
  : ['-O2'];
const built = spawnSync(
  cc,
  [
    ...flags,
    '-std=gnu11',
    '-Wall',
    '-Wextra',
    '-shared',
    '-fPIC',
    '-pthread',
    '-fvisibility=hidden',
    `-I${include}`,
    join(ROOT, 'native', 'engine.c'),
    '-o',
    out,
  ],
  { stdio: ['ignore', 'inherit', 'pipe'] },
);
if (built.error) giveUp(`no C compiler (${cc}: ${built.error.code ?? built.error.message}) for the native engine`);
if (built.status !== 0) giveUp(`the native engine did not compile:\n${built.stderr.toString().trim()}`);
const warnings = built.stderr.toString().trim();
if (warnings) say(`native engine: compiler warnings:\n${warnings}`);
say(`native engine built: ${out.slice(ROOT.length + 1)}`);
