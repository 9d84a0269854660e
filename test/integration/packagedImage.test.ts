// The container image's tree, built without Docker: the package as `npm pack` ships it, with
// production dependencies only (what the Dockerfile's second stage holds), and its entrypoint runs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builtBin } from '../helpers/cli.js';
import { repoPath } from '../helpers/repoPath.js';

const ROOT = repoPath();
/** The environment without coverage collection: npm itself is not under test, and c8 would record all of it. */
const { NODE_V8_COVERAGE: _coverage, ...plainEnv } = process.env;
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: plainEnv });

test('the Dockerfile: two stages on Node 20 slim, production dependencies only, non-root, goon-probe as entrypoint', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  assert.is(dockerfile.match(/^FROM node:20-slim/gm)?.length, 2);
  assert.match(dockerfile, /npm pack --ignore-scripts/);
  assert.match(dockerfile, /npm ci --omit=dev --ignore-scripts/);
  assert.match(dockerfile, /^USER 10001:10001$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["node", "\/app\/dist\/bin\.js"\]$/m);
  assert.match(readFileSync(join(ROOT, '.dockerignore'), 'utf8'), /^node_modules$/m);
});

test('the same tree, built here: the packed package with production dependencies runs its entrypoint', () => {
  builtBin(); // dist/ up to date, as the Dockerfile's first stage builds it
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-image-'));
  try {
    const tarball = npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT)
      .trim()
      .split('\n')
      .at(-1) as string;
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
    const app = join(dir, 'package');
    cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
    npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], app);
    for (const dev of ['typescript', 'uvu', 'c8', 'tsx', '@biomejs', 'kubernetes-models'])
      assert.not.ok(existsSync(join(app, 'node_modules', dev)), `${dev} is a development dependency`);
    assert.not.ok(existsSync(join(app, 'src')) || existsSync(join(app, 'test')), 'only the built code ships');
    const bin = join(app, 'dist', 'bin.js');
    const version = execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env: plainEnv });
    assert.match(version, /^goon-probe\/\d+\.\d+\.\d+ /);
    const demo = execFileSync(process.execPath, [bin, 'demo', '--limit', '100', '--ramp', '1k/s'], {
      encoding: 'utf8',
      cwd: dir,
      env: plainEnv,
    });
    assert.match(demo, /the probe found 100: exact match/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
