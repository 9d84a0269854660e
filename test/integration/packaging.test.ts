// The package as users get it, from one `npm pack` (dist/ built first, as the Dockerfile's first
// stage builds it), installed from the tarball into a temporary prefix: the installed bin runs the
// demo, a TLS target and a probe that trusts it, and report (text and HTML); the tree holds the
// production dependencies only, as the image does, and its entrypoint runs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtBin } from '../helpers/cli.js';
import { repoPath } from '../helpers/repoPath.js';

const ROOT = repoPath();
/** The environment without coverage collection: npm and the installed copy are not what c8 measures. */
const { NODE_V8_COVERAGE: _coverage, ...plainEnv } = process.env;
const run = (file: string, args: string[], cwd: string): string =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: plainEnv });
const npm = (args: string[], cwd: string): string => run('npm', args, cwd);

/**
 * One tarball for every test here, installed once as a user installs it: `npm pack` into a
 * temporary folder and `npm install` of the tarball into a prefix there, removed at the end.
 */
const test = suite('packaging', { dir: '', tarball: '', prefix: '' });

test.before((packed) => {
  builtBin();
  // The native engine's prebuild for this platform, as `npm pack` (prepack) and the image ship it.
  run(process.execPath, [join(ROOT, 'scripts', 'buildNative.mjs'), '--prebuild'], ROOT);
  packed.dir = mkdtempSync(join(tmpdir(), 'goon-probe-package-'));
  packed.tarball = npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', packed.dir], ROOT)
    .trim()
    .split('\n')
    .at(-1) as string;
  packed.prefix = join(packed.dir, 'prefix');
  npm(
    [
      'install',
      '--prefix',
      packed.prefix,
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(packed.dir, packed.tarball),
    ],
    packed.dir,
  );
});

test.after(({ dir }) => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the Dockerfile: built on Node 20 with the prebuild, run on Node 20 slim, production dependencies only, non-root', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  assert.equal(dockerfile.match(/^FROM \S+/gm), ['FROM node:20', 'FROM node:20-slim']);
  assert.match(dockerfile, /node scripts\/buildNative\.mjs --prebuild/);
  assert.match(dockerfile, /npm pack --ignore-scripts/);
  assert.match(dockerfile, /npm ci --omit=dev --ignore-scripts/);
  assert.match(dockerfile, /^USER 10001:10001$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["node", "\/app\/dist\/bin\.js"\]$/m);
  assert.match(readFileSync(join(ROOT, '.dockerignore'), 'utf8'), /^node_modules$/m);
});

test('installed from the packed tarball: a LICENSE and no source maps; demo, serve --tls with a probe over TLS, report', async ({
  dir,
  tarball,
  prefix,
}) => {
  {
    const listing = run('tar', ['-tzf', join(dir, tarball)], dir);
    assert.match(listing, /^package\/LICENSE$/m);
    assert.not.match(listing, /\.map$/m, 'no source maps without their sources');
    assert.match(listing, new RegExp(`^package/prebuilds/${platform()}-${arch()}/goon-probe-engine\\.node$`, 'm'));
    // Every prebuild is a shared object for the architecture it is named after: this machine's, and
    // the other Linux one where its cross compiler is installed (scripts/ensure-test-servers.sh installs it).
    const machines: Readonly<Record<string, number>> = { x64: 62, arm64: 183 };
    const shipped = [...listing.matchAll(/^package\/prebuilds\/linux-(\w+)\/goon-probe-engine\.node$/gm)].map(
      (m) => m[1] as string,
    );
    const cross = arch() === 'x64' ? 'aarch64-linux-gnu-gcc' : 'x86_64-linux-gnu-gcc';
    const crossHere = spawnSync(cross, ['--version']).status === 0;
    assert.equal(
      shipped.sort(),
      (crossHere ? ['arm64', 'x64'] : [arch()]).sort(),
      `prebuilds shipped: ${shipped.join(', ')}`,
    );
    for (const a of shipped) {
      const elf = readFileSync(
        join(prefix, 'node_modules', 'goon-probe', 'prebuilds', `linux-${a}`, 'goon-probe-engine.node'),
      );
      assert.is(elf.subarray(0, 4).toString('latin1'), '\x7fELF', `linux-${a}: an ELF file`);
      assert.equal(
        [elf.readUInt16LE(16), elf.readUInt16LE(18)],
        [3, machines[a]],
        `linux-${a}: a shared object for ${a}`,
      );
    }
    const bin = join(prefix, 'node_modules', '.bin', 'goon-probe');
    assert.ok(existsSync(bin), 'the bin is linked');
    assert.match(run(bin, ['demo', '--limit', '100', '--ramp', '1k/s'], dir), /the probe found 100: exact match/);
    const app = join(prefix, 'node_modules', 'goon-probe');
    assert.not.ok(existsSync(join(app, 'build')), 'the install used the prebuild, and compiled nothing');
    // A probe of a closed port: nothing served (exit 2), and the record names the engine.
    const engineOf = (...engine: string[]): string => {
      const probed = spawnSync(bin, ['127.0.0.1:1', '-c', '1', ...engine, '--json', '-', '-q'], {
        cwd: dir,
        env: plainEnv,
      });
      return JSON.parse(probed.stdout.toString().split('\n')[0] as string).config.engine.why;
    };
    assert.match(engineOf('--engine', 'native'), /^--engine native: the C engine on epoll \(prebuild\)$/);
    // Without the prebuild (and nothing compiled), the TypeScript engine runs, says why, and the demo is exact.
    renameSync(join(app, 'prebuilds'), join(app, 'prebuilds-away'));
    try {
      assert.match(engineOf(), /^the native engine is not available: no native engine is built for linux-/);
      assert.match(run(bin, ['demo', '--limit', '100', '--ramp', '1k/s'], dir), /the probe found 100: exact match/);
    } finally {
      renameSync(join(app, 'prebuilds-away'), join(app, 'prebuilds'));
    }

    const serve = spawn(bin, ['serve', '--tls', '--banner', 'hi\\n', '--duration', '20s'], { cwd: dir, env: plainEnv });
    const closed = new Promise((resolve) => serve.once('close', resolve));
    let said = '';
    const ready = new Promise<RegExpExecArray>((resolve, reject) => {
      const look = (d: Buffer): void => {
        said += d.toString();
        const m = /listening on (127\.0\.0\.1:\d+)[\s\S]*TLS certificate: (\S+) /.exec(said);
        if (m) resolve(m);
      };
      serve.stdout.on('data', look);
      serve.stderr.on('data', look);
      serve.on('close', () => reject(new Error(`serve ended: ${said}`)));
    });
    try {
      const [, address, cert] = (await ready) as unknown as [string, string, string];
      assert.ok(cert.startsWith(prefix), `the certificate ships with the package: ${cert}`);
      const record = join(dir, 'run.json');
      const probe = run(
        bin,
        [address, '-c', '3', '-s', '0', '--tls', '--ca', cert, '--expect', 'hi', '--json', record, '-q'],
        dir,
      );
      assert.match(probe, /established 3 of 3, all established, exit 0/);
      assert.match(run(bin, ['report', record], dir), /tcp test statistics/);
      // The HTML report loads its chart library: it must be among the package's dependencies.
      assert.match(
        run(bin, ['report', record, '--format', 'html'], dir),
        /^<!doctype html>[\s\S]*3 of 3 connections established/,
      );
    } finally {
      serve.kill('SIGINT');
      await closed;
    }
  }
});

// The image's second stage holds the same: the packed package with its production dependencies
// only (there from the lockfile by `npm ci --omit=dev`, here by installing the tarball).
test('the same tree: the packed package with production dependencies only runs its entrypoint', ({ prefix }) => {
  {
    const app = join(prefix, 'node_modules', 'goon-probe');
    for (const dev of ['typescript', 'uvu', 'c8', 'tsx', '@biomejs', 'kubernetes-models', 'esbuild'])
      assert.not.ok(existsSync(join(prefix, 'node_modules', dev)), `${dev} is a development dependency`);
    assert.not.ok(existsSync(join(app, 'src')) || existsSync(join(app, 'test')), 'only the built code ships');
    const bin = join(app, 'dist', 'bin.js');
    const version = execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env: plainEnv });
    assert.match(version, /^goon-probe\/\d+\.\d+\.\d+ /);
    // The installed test above renders an HTML report from this same tree: the heaviest production dependencies load.
  }
});

test("the library from the packed install: the README's gate test passes, and its declarations type-check a caller", ({
  prefix,
}) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const example = /```js\n(\/\/ capacity\.test\.mjs[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'the README shows a test that gates on probe()');
  writeFileSync(join(prefix, 'capacity.test.mjs'), example);
  const passed = run(process.execPath, ['--test', '--test-reporter=tap', 'capacity.test.mjs'], prefix);
  assert.match(passed, /^# pass 1$/m);
  assert.match(passed, /^# fail 0$/m);
  // A TypeScript caller: the shipped declarations type the options and the record.
  writeFileSync(
    join(prefix, 'caller.ts'),
    [
      "import { probe, serve, UsageError, type RunRecord, type ProbeOptions } from 'goon-probe';",
      "const options: ProbeOptions = { target: '127.0.0.1:1', ramp: '100/s', maxConnections: 10 };",
      'export async function gate(): Promise<number> {',
      '  const target = await serve({ maxConnections: 5 });',
      '  const record: RunRecord = await probe({ ...options, target: target.address });',
      '  await target.close();',
      "  return record.result.mode === 'ramp' ? record.result.maximum : record.result.status.established;",
      '}',
      'export const isUsage = (e: unknown): boolean => e instanceof UsageError;',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(prefix, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        types: ['node'],
      },
      files: ['caller.ts', 'wrong.ts'],
    }),
  );
  // One check of both files: the caller type-checks, and a call without a target does not.
  writeFileSync(join(prefix, 'wrong.ts'), "import { probe } from 'goon-probe';\nawait probe({ ramp: '1/s' });\n");
  let complaint = '';
  try {
    run(join(ROOT, 'node_modules', '.bin', 'tsgo'), ['-p', 'tsconfig.json'], prefix);
  } catch (err) {
    complaint = String((err as { stdout?: string }).stdout);
  }
  assert.equal(
    complaint.split('\n').filter((line) => /error TS/.test(line) && !line.startsWith('wrong.ts')),
    [],
    'the caller type-checks against the shipped declarations',
  );
  assert.match(complaint, /wrong\.ts[\s\S]*'target'/, 'a call without a target does not type-check');
});

test.run();
