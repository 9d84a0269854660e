/**
 * Runs the test suite: the unit tests in one uvu process, and every integration test file in its
 * own process, several at once (`--jobs N`, default: six times the CPU count; most of an
 * integration test's time is spent waiting on sockets, timers and other processes, not computing). The longest files start
 * first (their times on a quiet machine are kept in scripts/testTimes.json; `--save-times`
 * rewrites it), so the last to finish are short ones. dist/ is built once first when it is older
 * than src/: the tests spawn the built bin. Each process is bounded in time (`--timeout`, default
 * 300 s: a file that took 175 s beside a soak on a busy machine must not be cut off) and killed with its children past it. Prints each file's result as it finishes and, at
 * the end, one uvu-style summary for the whole suite.
 *
 * The tests run as JavaScript: esbuild writes src/, test/ and scripts/ into .build/ in well under a
 * second, and every test process then starts plain Node instead of Node with the tsx loader (about a
 * third of a second of CPU less for each). Two checks run as jobs beside the tests, each counted as
 * one test that fails the suite: the type check (tsgo `--noEmit`) and Biome (`biome check`: the
 * formatter and the linter). They start while esbuild writes .build/, which they do not read. With
 * a name to filter by, they are left out. `--tsx` runs the TypeScript through tsx instead, as
 * `npm run coverage` does.
 *
 * Usage: node --import tsx scripts/runTests.ts [--jobs N] [--timeout S] [--save-times] [--tsx]
 *        [unit|integration ...] [part of a file name ...]
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { builtBin } from '../test/helpers/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The tests' JavaScript, written afresh by each run (never committed). */
const BUILD = join(ROOT, '.build');
const UVU = join(ROOT, 'node_modules', 'uvu', 'bin.js');
/**
 * The type check: TypeScript's native compiler (tsgo, its Go port, which TypeScript 7 will be),
 * about six times less CPU than tsc on this project. `npm run typecheck` and the build use tsc.
 */
const TSC = join(ROOT, 'node_modules', '@typescript', 'native-preview', 'bin', 'tsgo');
const TIMES = join(ROOT, 'scripts', 'testTimes.json');
/** The type check's name among the jobs, and in scripts/testTimes.json. */
const TYPECHECK = 'typecheck';
/** Biome's formatter and linter, as `npm run lint` and `npm run format:check` run them together. */
const BIOME = join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
const LINT = 'lint';
/** The jobs that check the source rather than run tests: one test each, and they need no .build/. */
const CHECKS: ReadonlySet<string> = new Set([TYPECHECK, LINT]);
/** Integration files shorter than this (seconds, on a quiet machine) run together in one process. */
const SHORT_S = 4;
const escapeDots = (file: string): string => file.replace(/\./g, '\\.');

/** Seconds each job took on a quiet machine, by name; {} when the file is missing or unreadable. */
function knownTimes(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(TIMES, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

interface Job {
  readonly name: string;
  /** What the job runs: node with these arguments, from the repository's root. */
  readonly args: readonly string[];
  /** Longer jobs start first, so the last one to finish is a short one: seconds, known or guessed. */
  readonly weight: number;
}

interface Outcome {
  readonly job: Job;
  readonly total: number;
  readonly passed: number;
  readonly skipped: number;
  readonly ok: boolean;
  readonly ms: number;
  readonly output: string;
}

interface Options {
  readonly jobs: number;
  readonly timeoutS: number;
  readonly saveTimes: boolean;
  /** Run the TypeScript through tsx, as it is, instead of the JavaScript in .build/. */
  readonly tsx: boolean;
  readonly suites: string[];
  readonly filters: string[];
}

function parseArgs(argv: readonly string[]): Options {
  let jobs = availableParallelism() * 6;
  let timeoutS = 300;
  let saveTimes = false;
  let tsx = false;
  const suites: string[] = [];
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--jobs') jobs = Math.max(1, Number(argv[++i]));
    else if (arg === '--timeout') timeoutS = Math.max(1, Number(argv[++i]));
    else if (arg === '--save-times') saveTimes = true;
    else if (arg === '--tsx') tsx = true;
    else if (arg === 'unit' || arg === 'integration') suites.push(arg);
    else filters.push(arg);
  }
  return { jobs, timeoutS, saveTimes, tsx, suites: suites.length > 0 ? suites : ['unit', 'integration'], filters };
}

/**
 * Writes the JavaScript of src/, test/, scripts/ and bench/ into .build/, file by file as tsx would run them,
 * and links what the code reads next to itself: package.json (the version; the tests find the
 * repository through it), fixtures/ (the certificate of `serve --tls`) and the run-record schema.
 */
async function compileForTests(): Promise<void> {
  rmSync(BUILD, { recursive: true, force: true });
  const sources = ['src', 'test', 'scripts', 'bench'].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name))),
  );
  await build({
    absWorkingDir: ROOT,
    entryPoints: sources,
    outdir: BUILD,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'error',
  });
  for (const name of ['package.json', 'fixtures']) symlinkSync(join('..', name), join(BUILD, name));
  // The native engine's addon, found next to the code as in a checkout (build/native, prebuilds/).
  for (const name of ['build', 'prebuilds'])
    if (existsSync(join(ROOT, name))) symlinkSync(join('..', name), join(BUILD, name));
  const schema = join('src', 'record', 'runRecord.schema.json');
  copyFileSync(join(ROOT, schema), join(BUILD, schema));
}

function jobsFor({ suites, filters, tsx }: Options): Job[] {
  const jobs: Job[] = [];
  const times = knownTimes();
  const ext = tsx ? '.ts' : '.js';
  const uvu = (dir: string, files: readonly string[]): string[] => [
    ...(tsx ? ['--import', 'tsx'] : []),
    UVU,
    join(tsx ? ROOT : BUILD, dir),
    `^(${files.map((f) => escapeDots(f.replace(/\.ts$/, ext))).join('|')})$`,
    '--no-color',
  ];
  if (filters.length === 0) {
    jobs.push({
      name: TYPECHECK,
      args: [TSC, '-p', join(ROOT, 'tsconfig.json'), '--noEmit'],
      weight: times[TYPECHECK] ?? 30,
    });
    jobs.push({ name: LINT, args: [BIOME, 'check', '--error-on-warnings', '--colors=off'], weight: times[LINT] ?? 2 });
  }
  // A file not timed yet: a second for every 2 KB of it.
  const weight = (name: string, path: string): number => times[name] ?? statSync(path).size / 2048;
  // The TypeScript files decide what runs: a test whose source is gone does not run.
  const files = (dir: string): string[] =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.test.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))))
      .sort();
  if (suites.includes('unit')) {
    const unit = files('test/unit');
    if (unit.length > 0) jobs.push({ name: 'unit', args: uvu('test/unit', unit), weight: times.unit ?? 10 });
  }
  if (suites.includes('integration')) {
    // The shortest files share one process: a process's start (Node, tsx) costs more than they do.
    const short: Array<{ file: string; weight: number }> = [];
    for (const f of files('test/integration')) {
      const w = weight(`integration/${f}`, join(ROOT, 'test/integration', f));
      if (w < SHORT_S) short.push({ file: f, weight: w });
      else jobs.push({ name: `integration/${f}`, args: uvu('test/integration', [f]), weight: w });
    }
    if (short.length > 0)
      jobs.push({
        name: `integration/{${short.map((x) => x.file).join(',')}}`,
        args: uvu(
          'test/integration',
          short.map((x) => x.file),
        ),
        weight: short.reduce((n, x) => n + x.weight, 0),
      });
  }
  // The checks first, while .build/ is written; then the longest tests.
  const order = (job: Job): number => (CHECKS.has(job.name) ? Number.POSITIVE_INFINITY : job.weight);
  return jobs.sort((a, b) => order(b) - order(a));
}

/** Returns the number after `label:` in uvu's summary, or 0. */
const summaryNumber = (output: string, label: string): number =>
  Number(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(output)?.[1] ?? 0);

function run(job: Job, timeoutS: number): Promise<Outcome> {
  const startMs = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, job.args, {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) output += `\n   FAIL  ${job.name} ran past ${timeoutS} s and was killed\n`;
      // A check counts as one test.
      const check = CHECKS.has(job.name);
      const total = check ? 1 : summaryNumber(output, 'Total');
      const passed = check ? (code === 0 && !timedOut ? 1 : 0) : summaryNumber(output, 'Passed');
      resolve({
        job,
        total: Math.max(total, passed + (code === 0 ? 0 : 1)),
        passed,
        skipped: summaryNumber(output, 'Skipped'),
        ok: code === 0 && !timedOut && total === passed + summaryNumber(output, 'Skipped'),
        ms: performance.now() - startMs,
        output,
      });
    });
  });
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const { jobs, timeoutS, saveTimes, suites } = options;
  const queue = jobsFor(options);
  const startMs = performance.now();
  // The tests wait for .build/ (and for dist/, built when older than src/); the checks do not.
  const ready = (async () => {
    if (!options.tsx) await compileForTests();
    if (suites.includes('integration')) builtBin();
  })();
  // A failed build fails every test job that awaits it; none may be left unhandled meanwhile.
  ready.catch(() => undefined);
  const outcomes: Outcome[] = [];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      if (!CHECKS.has(job.name)) await ready;
      const outcome = await run(job, timeoutS);
      outcomes.push(outcome);
      // uvu's own summary lines are dropped here: the suite's one summary comes at the end.
      const body = outcome.output
        .split('\n')
        .filter((line) => !/^\s*(Total|Passed|Skipped|Duration):/.test(line))
        .join('\n')
        .trim();
      const line = `${outcome.ok ? 'ok  ' : 'FAIL'} ${job.name}: ${outcome.passed} of ${outcome.total} passed in ${(outcome.ms / 1000).toFixed(1)} s`;
      process.stdout.write(`${line}\n${outcome.ok ? '' : `${body}\n`}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
  const sum = (f: (o: Outcome) => number): number => outcomes.reduce((n, o) => n + f(o), 0);
  process.stdout.write(
    `\n  Total:     ${sum((o) => o.total)}\n  Passed:    ${sum((o) => o.passed)}\n  Skipped:   ${sum((o) => o.skipped)}\n  Duration:  ${(performance.now() - startMs).toFixed(0)}ms\n\n`,
  );
  if (saveTimes) {
    const times = { ...knownTimes() };
    // A shared process's time is its files' own times, kept by name.
    for (const o of outcomes) if (!o.job.name.includes('{')) times[o.job.name] = Math.round(o.ms / 100) / 10;
    const sorted = Object.fromEntries(Object.entries(times).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(TIMES, `${JSON.stringify(sorted, null, 2)}\n`);
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

process.exitCode = await main();
