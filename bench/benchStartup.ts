/**
 * The `startup` scenario of `npm run bench`: how long `goon-probe --version`, `--help` and a usage
 * error take as whole processes, and their peak RSS, next to `node -e 0` measured in the same run.
 * Goal: at most 2x the time of `node -e 0` and at most 50 MB peak RSS, medians of several runs.
 * Peak RSS comes from GNU time (`/usr/bin/time`, Debian package `time`); without it, only times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';

const GNU_TIME = '/usr/bin/time';

/** One command of the startup scenario. */
export interface StartupCase {
  readonly name: string;
  readonly args: readonly string[];
}

/** What one command measured: every run's wall time and peak RSS, and their medians. */
export interface StartupResult {
  readonly name: string;
  readonly wallMs: readonly number[];
  readonly peakRssBytes: readonly number[];
  readonly medianWallMs: number;
  readonly medianPeakRssBytes: number | null;
  /** Median wall time over `node -e 0`'s, in the same run. */
  readonly ratioToNode: number;
  readonly exitCode: number | null;
}

/** Returns the startup cases for the built CLI at `bin`: the baseline first. */
export function startupCases(bin: string): StartupCase[] {
  return [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'goon-probe --version', args: [bin, '--version'] },
    { name: 'goon-probe --help', args: [bin, '--help'] },
    { name: 'goon-probe usage error', args: [bin, '127.0.0.1:1', '--ramp', 'fast'] },
  ];
}

/** Runs one command once; returns its wall time, peak RSS (null without GNU time) and exit code. */
function runOnce(args: readonly string[]): { wallMs: number; rss: number | null; code: number | null } {
  const withTime = existsSync(GNU_TIME);
  const out = join(tmpdir(), `goon-probe-startup-${process.pid}.txt`);
  const command = withTime ? GNU_TIME : process.execPath;
  const argv = withTime ? ['-f', '%M', '-o', out, process.execPath, ...args] : [...args];
  const start = performance.now();
  const r = spawnSync(command, argv, { stdio: 'ignore' });
  const wallMs = performance.now() - start;
  let rss: number | null = null;
  if (withTime) {
    rss = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1)) * 1024;
    rmSync(out, { force: true });
  }
  return { wallMs, rss, code: r.status };
}

/** Runs every case `runs` times, interleaved (so drift on a noisy machine hits them all alike). */
export function benchStartup(bin: string, runs: number): StartupResult[] {
  const cases = startupCases(bin);
  const samples = cases.map(() => ({ wall: [] as number[], rss: [] as number[], code: null as number | null }));
  for (const c of cases) runOnce(c.args); // warm the file cache
  for (let run = 0; run < runs; run++) {
    cases.forEach((c, i) => {
      const r = runOnce(c.args);
      const s = samples[i] as (typeof samples)[number];
      s.wall.push(r.wallMs);
      if (r.rss !== null) s.rss.push(r.rss);
      s.code = r.code;
    });
  }
  const baseline = median(samples[0]?.wall ?? [1]);
  return cases.map((c, i) => {
    const s = samples[i] as (typeof samples)[number];
    return {
      name: c.name,
      wallMs: s.wall,
      peakRssBytes: s.rss,
      medianWallMs: median(s.wall),
      medianPeakRssBytes: s.rss.length > 0 ? median(s.rss) : null,
      ratioToNode: median(s.wall) / baseline,
      exitCode: s.code,
    };
  });
}

/** Returns the startup table (Markdown), with each command's verdict against the goals. */
export function startupTable(results: readonly StartupResult[]): string {
  const mb = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / 1e6).toFixed(1)} MB`);
  const rows = results.map((r, i) => {
    const goal =
      i === 0
        ? 'baseline'
        : r.ratioToNode <= 2 && (r.medianPeakRssBytes === null || r.medianPeakRssBytes <= 50e6)
          ? 'met (<= 2x, <= 50 MB)'
          : 'MISSED (<= 2x, <= 50 MB)';
    return `| ${r.name} | ${r.wallMs.length} | ${r.medianWallMs.toFixed(0)} ms | ${r.ratioToNode.toFixed(2)}x | ${mb(r.medianPeakRssBytes)} | ${goal} |`;
  });
  return [
    '| startup | runs | median wall time | / node -e 0 | median peak RSS | goal |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
