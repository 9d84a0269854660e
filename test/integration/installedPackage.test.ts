// The package as a user installs it: `npm pack`, installed from the tarball into a temporary
// prefix, and the installed bin runs the demo, a TLS target and a probe that trusts it, and report (text and HTML).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builtBin } from '../helpers/cli.js';
import { repoPath } from '../helpers/repoPath.js';

const ROOT = repoPath();
/** The environment without coverage collection: npm and the installed copy are not what c8 measures. */
const { NODE_V8_COVERAGE: _coverage, ...plainEnv } = process.env;
const run = (file: string, args: string[], cwd: string): string =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: plainEnv });

test('installed from the packed tarball: a LICENSE and no source maps; demo, serve --tls with a probe over TLS, report', async () => {
  builtBin();
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-install-'));
  try {
    const tarball = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT)
      .trim()
      .split('\n')
      .at(-1) as string;
    const listing = run('tar', ['-tzf', join(dir, tarball)], dir);
    assert.match(listing, /^package\/LICENSE$/m);
    assert.not.match(listing, /\.map$/m, 'no source maps without their sources');
    const prefix = join(dir, 'prefix');
    run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], dir);
    const bin = join(prefix, 'node_modules', '.bin', 'goon-probe');
    assert.ok(existsSync(bin), 'the bin is linked');
    assert.match(run(bin, ['demo', '--limit', '100', '--ramp', '1k/s'], dir), /the probe found 100: exact match/);

    const serve = spawn(bin, ['serve', '--tls', '--banner', 'hi\\n', '--duration', '20s'], { cwd: dir, env: plainEnv });
    const closed = new Promise((resolve) => serve.once('close', resolve));
    let said = '';
    const ready = new Promise<RegExpExecArray>((resolve, reject) => {
      const look = (d: Buffer): void => {
        said += d.toString();
        const m = /listening on (127\.0\.0\.1:\d+)[^]*TLS certificate: (\S+) /.exec(said);
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
        /^<!doctype html>[^]*3 of 3 connections established/,
      );
    } finally {
      serve.kill('SIGINT');
      await closed;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
