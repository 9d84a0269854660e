import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoPath } from '../helpers/repoPath.js';

const SRC = repoPath('src');

/**
 * The layers, top first: a file may import from its own folder and from any layer below its own.
 * Files directly in src/ are leaf helpers (clock, units, usageError, entryScript) every layer may
 * use. The entry points (bin.ts, the library's index.ts, and the forked children of entries/) may
 * import anything, and nothing imports them: a parent forks an entry by path (entryScript.ts).
 */
const LAYERS = [
  'cli',
  'api',
  'deploy',
  'report',
  'record',
  'probe',
  'config',
  'fleet',
  'servers',
  'protocols',
  'net',
  'stats',
  '.',
];
const ENTRIES = 'entries';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Returns the relative specifiers a file imports, statically or dynamically, resolved to src-relative .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] as string);
  return specs.map((s) => relative(SRC, normalize(join(dirname(file), s))).replace(/\.js$/, '.ts'));
}

const layerOf = (path: string): string => (path.includes('/') ? (path.split('/')[0] as string) : '.');
/** The entry points: the CLI's (bin.ts), the library's (index.ts), and the forked children's (entries/). */
const isEntry = (path: string): boolean => path === 'bin.ts' || path === 'index.ts' || layerOf(path) === ENTRIES;

/** Returns every import that points up or sideways across layers, as `from -> to`, from a map of src-relative paths to what each imports. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const bad: string[] = [];
  for (const [from, imports] of graph) {
    const rank = isEntry(from) ? -1 : LAYERS.indexOf(layerOf(from));
    for (const to of imports) {
      const toLayer = layerOf(to);
      if (isEntry(to)) {
        bad.push(`${from} -> ${to}`);
        continue;
      }
      if (rank < 0) continue;
      if (toLayer !== layerOf(from) && LAYERS.indexOf(toLayer) <= rank) bad.push(`${from} -> ${to}`);
    }
  }
  return bad;
}

const srcGraph = (): Map<string, string[]> => new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), importsOf(f)]));

test('every folder of src/ is a known layer', () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.equal(
    folders.filter((f) => !LAYERS.includes(f) && f !== ENTRIES),
    [],
  );
});

test('imports only point down the layers', () => {
  assert.equal(upwardImports(srcGraph()), []);
});

test('the rule flags upward and sideways imports, and allows downward ones', () => {
  const graph = new Map([
    ['net/dialer.ts', ['fleet/fleet.ts', 'net/channel.ts', 'units.ts']], // up into the fleet: flagged
    ['servers/holdServer.ts', ['net/resolve.ts']], // down: fine
    ['units.ts', ['stats/summarize.ts']], // a leaf helper reaching into a layer: flagged
    ['fleet/fleet.ts', ['servers/targetServer.ts']], // down past servers: fine
    ['bin.ts', ['cli/runCli.ts']], // the entry point: fine
    ['report/chart.ts', ['cli/cliIO.ts']], // up into the CLI: flagged
    ['record/runRecord.ts', ['report/format.ts', 'probe/result.ts']], // the record reaching into renderers: flagged
    ['entries/shard.ts', ['fleet/fleet.ts', 'cli/runCli.ts']], // an entry point: anything
    ['fleet/shardedFleet.ts', ['entries/shard.ts']], // importing an entry point runs it: flagged
    ['index.ts', ['api/probe.ts', 'record/runRecord.ts']], // the library's entry: anything
    ['api/probe.ts', ['cli/runProbe.ts']], // the library reaching into the CLI: flagged
  ]);
  assert.equal(upwardImports(graph), [
    'net/dialer.ts -> fleet/fleet.ts',
    'units.ts -> stats/summarize.ts',
    'report/chart.ts -> cli/cliIO.ts',
    'record/runRecord.ts -> report/format.ts',
    'fleet/shardedFleet.ts -> entries/shard.ts',
    'api/probe.ts -> cli/runProbe.ts',
  ]);
});

test('no import cycles in src/', () => {
  const graph = srcGraph();
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) if (graph.has(next)) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  assert.equal(cycles, []);
});

/** Returns the files outside cli/ and the entry points that print, exit, or read the environment or argv. */
function processTouches(files: ReadonlyMap<string, string>): string[] {
  const touch = /\bprocess\.(exit|exitCode|env|argv|stdout|stderr|stdin|on|once|send)\b|\bconsole\./;
  return [...files]
    .filter(
      ([path, text]) =>
        !isEntry(path) && layerOf(path) !== 'cli' && touch.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')),
    )
    .map(([path]) => path);
}

test('only the CLI and the entry points print, exit, or read the environment', () => {
  const files = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), readFileSync(f, 'utf8')]));
  assert.equal(processTouches(files), []);
  const planted = new Map([
    ['fleet/shardedFleet.ts', 'const flags = process.env.X;'],
    ['servers/holdServer.ts', '// process.exit(1) in a comment is fine'],
    ['entries/shard.ts', 'process.on("disconnect", () => process.exit(0));'],
    ['report/chart.ts', 'console.log(1)'],
  ]);
  assert.equal(processTouches(planted), ['fleet/shardedFleet.ts', 'report/chart.ts']);
});

/** Returns every file a file loads before any of its code runs: its static imports, transitively (type-only ones left out). */
function staticClosure(start: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm))
      visit(relative(SRC, normalize(join(dirname(join(SRC, file)), m[1] as string))).replace(/\.js$/, '.ts'));
  };
  visit(start);
  return [...seen].sort();
}

test('--version, --help and a usage error load only the CLI shell: the commands and the run load when they run', () => {
  // bin.ts loads cli/runCli.ts by import(); what that loads before its code runs:
  assert.equal(staticClosure('cli/runCli.ts'), [
    'api/packageVersion.ts',
    'cli/cliOptions.ts',
    'cli/helpText.ts',
    'cli/runCli.ts',
    'config/defaults.ts',
    'config/optionSpecs.ts',
    'loadFailure.ts',
    'units.ts',
    'usageError.ts',
  ]);
});

test('entries/ holds exactly the entry points entryScript names', async () => {
  const { ENTRY_POINTS } = await import('../../src/entryScript.js');
  const files = readdirSync(join(SRC, ENTRIES))
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(ts|js)$/, ''));
  assert.equal(files.sort(), [...ENTRY_POINTS].sort());
});

test.run();
