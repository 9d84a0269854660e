#!/usr/bin/env node
// Builds the native engine (native/engine.c) against the Node-API headers of the running Node:
// with node-gyp (binding.gyp; the one npm carries) where this Node's headers are on disk with their
// common.gypi, so that nothing is downloaded; otherwise with the C compiler directly. Plain
// JavaScript, so that it runs at `npm install` before anything is built.
//
//   node scripts/buildNative.mjs             build/native/goon-probe-engine.node
//   node scripts/buildNative.mjs --install   the same, but never fails the install: without a
//                                            compiler (or with a prebuild for this platform
//                                            already in the package) it says so and goes on
//   node scripts/buildNative.mjs --prebuild  prebuilds/<platform>-<arch>/goon-probe-engine.node,
//                                            shipped in the package (npm pack runs it); also
//                                            the other Linux architecture (x64, arm64) where its
//                                            cross compiler is installed (gcc-aarch64-linux-gnu
//                                            from Debian; CC_ARM64 / CC_X64 name another)
//   node scripts/buildNative.mjs --cc        the local build with the C compiler, not node-gyp
//   node scripts/buildNative.mjs --sanitize  build/native-asan/…: AddressSanitizer and
//                                            UndefinedBehaviorSanitizer, for the engine's tests
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
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
const sanitize = args.has('--sanitize');
const flags = sanitize
  ? ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined']
  : ['-O2'];

/** Compiles the engine with `cc` into `out`; the compiler's error output, or null when it built. */
function compile(cc, out) {
  mkdirSync(dirname(out), { recursive: true });
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
      '-lm',
      '-o',
      out,
    ],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  if (built.error) return { missing: `${cc}: ${built.error.code ?? built.error.message}` };
  if (built.status !== 0) return { failed: built.stderr.toString().trim() };
  return { warnings: built.stderr.toString().trim() };
}

/** node-gyp's entry point: the one npm names to install scripts, or the one npm carries next to this Node; or null. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

/**
 * Builds with node-gyp into `out` when it can do so from this disk alone (node-gyp, make, and this
 * Node's headers with their common.gypi, as Node's own packages install them); returns what went
 * wrong, or null when it built. Never downloads headers: where it cannot, the C compiler builds.
 */
function compileWithNodeGyp(out) {
  const gyp = nodeGyp();
  if (!gyp) return 'no node-gyp';
  if (!existsSync(join(ROOT, 'binding.gyp'))) return 'no binding.gyp';
  // --nodedir is the folder whose include/node holds the headers and common.gypi.
  const nodedir = include.endsWith(join('include', 'node')) ? dirname(dirname(include)) : null;
  if (!nodedir || !existsSync(join(include, 'common.gypi'))) return "no common.gypi beside this Node's headers";
  const built = spawnSync(process.execPath, [gyp, 'configure', 'build', `--nodedir=${nodedir}`, '--loglevel=error'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm passes its config to install scripts as npm_config_*: node-gyp reads nodedir from there too.
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
  const made = join(ROOT, 'build', 'Release', ADDON);
  if (built.error || built.status !== 0 || !existsSync(made))
    return `node-gyp failed: ${(built.stderr?.toString() || built.error?.message || '').trim().split('\n').slice(-3).join(' ')}`;
  // A new file renamed into place: a process that has the old one loaded keeps its copy.
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(made, `${out}.tmp`);
  renameSync(`${out}.tmp`, out);
  return null;
}

const cc = process.env.CC || 'cc';
const out = args.has('--prebuild')
  ? join(ROOT, 'prebuilds', target, ADDON)
  : join(ROOT, 'build', sanitize ? 'native-asan' : 'native', ADDON);
// The local build goes through node-gyp where it can; prebuilds (two architectures, one of them
// cross-compiled) and the sanitizer build use the C compiler, with their own flags.
const withGyp = !sanitize && !args.has('--prebuild') && !args.has('--cc');
const gypProblem = withGyp ? compileWithNodeGyp(out) : 'not asked';
if (gypProblem === null) {
  say(`native engine built with node-gyp: ${out.slice(ROOT.length + 1)}`);
  process.exit(0);
}
if (withGyp) say(`native engine: ${gypProblem}; building with ${process.env.CC || 'cc'} directly`);
const built = compile(cc, out);
if (built.missing) giveUp(`no C compiler (${built.missing}) for the native engine`);
if (built.failed) giveUp(`the native engine did not compile:\n${built.failed}`);
if (built.warnings) say(`native engine: compiler warnings:\n${built.warnings}`);
say(`native engine built: ${out.slice(ROOT.length + 1)}`);

// The package's prebuild for the other Linux architecture, where its cross compiler is installed.
// Node-API is the same on every architecture, and its headers hold no architecture's code.
if (args.has('--prebuild')) {
  const cross = {
    x64: ['arm64', process.env.CC_ARM64 || 'aarch64-linux-gnu-gcc'],
    arm64: ['x64', process.env.CC_X64 || 'x86_64-linux-gnu-gcc'],
  }[arch()];
  if (cross) {
    const [other, crossCc] = cross;
    const crossOut = join(ROOT, 'prebuilds', `linux-${other}`, ADDON);
    const result = compile(crossCc, crossOut);
    if (result.missing) say(`no prebuild for linux-${other}: no cross compiler (${result.missing})`);
    else if (result.failed) giveUp(`the native engine did not compile for linux-${other}:\n${result.failed}`);
    else say(`native engine built: ${crossOut.slice(ROOT.length + 1)} (cross-compiled with ${crossCc})`);
  }
}
