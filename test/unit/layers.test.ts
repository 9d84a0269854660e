import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoPath } from '../helpers/repoPath.js';

const SRC = repoPath('src');

/**
 * The layers, top first: a file may import from its own folder and from any layer below its own.
 * Files directly in src/ are leaf helpers (clock, units, usageError) every layer may use; bin.ts
 * is the one entry point and may import anything.
 */
const LAYERS = ['cli', 'report', 'probe', 'config', 'fleet', 'servers', 'protocols', 'net', 'stats', '.'];

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

/** Returns every import that points up or sideways across layers, as `from -> to`, from a map of src-relative paths to what each imports. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const bad: string[] = [];
  for (const [from, imports] of graph) {
    if (from === 'bin.ts') continue;
    const rank = LAYERS.indexOf(layerOf(from));
    for (const to of imports) {
      const toLayer = layerOf(to);
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
    folders.filter((f) => !LAYERS.includes(f)),
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
  ]);
  assert.equal(upwardImports(graph), [
    'net/dialer.ts -> fleet/fleet.ts',
    'units.ts -> stats/summarize.ts',
    'report/chart.ts -> cli/cliIO.ts',
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

test.run();
