// Every goon-probe command the README and docs/ show, as written: its options exist, and a probe's
// options make a valid config (parsed and checked as the CLI does, with no traffic). Placeholders
// in capitals (HOST, N, FILE) mark a template, not a command, and are left out.
import { readdirSync, readFileSync } from 'node:fs';
import cac from 'cac';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { markValues, unmark, unmarkValues } from '../../src/cli/cliOptions.js';
import { unknownOption } from '../../src/cli/helpText.js';
import {
  DEMO_OPTIONS,
  K8S_OPTIONS,
  MERGE_OPTIONS,
  PROBE_OPTIONS,
  REPORT_OPTIONS,
  SERVE_OPTIONS,
  type OptionSpec,
} from '../../src/config/optionSpecs.js';
import { buildProbeConfig } from '../../src/config/probeConfig.js';
import { repoPath } from '../helpers/repoPath.js';

const PAGES = [
  'README.md',
  ...readdirSync(repoPath('docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const SUBCOMMANDS: Record<string, readonly OptionSpec[]> = {
  serve: SERVE_OPTIONS,
  demo: DEMO_OPTIONS,
  report: REPORT_OPTIONS,
  merge: MERGE_OPTIONS,
  k8s: [...K8S_OPTIONS, ...PROBE_OPTIONS],
  doctor: [],
};

/** Returns a shell line's words up to a comment, pipe, redirection or `&&`, quotes removed (as sh reads them). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? '') + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (word === null && (c === '#' || c === '|' || c === '>' || c === '&' || c === ';')) break;
    else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/** Returns the goon-probe commands a page shows: lines of its code blocks, and inline code spans. */
function commandsOf(page: string): string[] {
  const text = readFileSync(repoPath(page), 'utf8');
  const blocks = [...text.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const inline = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`((?:npx )?goon-probe [^`]+)`/g)].map(
    (m) => m[1] as string,
  );
  return [...blocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n')), ...inline]
    .map((line) => line.trim())
    .filter((line) => /^(npx )?goon-probe /.test(line) && !/^goon-probe \S+:( |$)/.test(line)) // not output: `goon-probe doctor: …`
    .filter((line) => !/\b[A-Z]{2,}[A-Z_]*\b|<|…/.test(line.replace(/'[^']*'|"[^"]*"/g, '')))
    .filter((line) => !SHOWN_AS_ERRORS.includes(line));
}

/** Commands the docs show on purpose as bad input (the usage error the bench times). */
const SHOWN_AS_ERRORS = ['goon-probe 127.0.0.1:1 --ramp fast'];

/** Returns why a shown command would not run as written, or null. */
function problemOf(line: string): string | null {
  const words = shellWords(line).slice(line.startsWith('npx ') ? 2 : 1);
  const sub = SUBCOMMANDS[words[0] ?? ''];
  const specs = sub ?? PROBE_OPTIONS;
  const args = sub ? words.slice(1) : words;
  const unknown = unknownOption(args, specs);
  if (unknown) return `${unknown} is no option`;
  if (sub || args.some((a) => /^(-h|--help|-v|--version)$/.test(a))) return null;
  const cli = cac('goon-probe');
  const cmd = cli.command('[...target]', '');
  for (const spec of PROBE_OPTIONS) cmd.option(spec.flags, '');
  const parsed = cli.parse(['node', 'goon-probe', ...markValues(args, PROBE_OPTIONS)], { run: false });
  const options = unmarkValues(parsed.options);
  const targets = parsed.args.map((a) => unmark(String(a)));
  // -l/--listen-port runs the built-in server and probes it when no target is given.
  if (options.listenPort !== undefined && targets.length === 0) targets.push('127.0.0.1:1');
  try {
    buildProbeConfig(options, targets, () => Buffer.from('x'), Date.now(), {});
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

test('shell words as sh reads them', () => {
  assert.equal(shellWords("goon-probe 127.0.0.1:6379 --send 'PING\\r\\n' --expect +PONG  # a comment"), [
    'goon-probe',
    '127.0.0.1:6379',
    '--send',
    'PING\\r\\n',
    '--expect',
    '+PONG',
  ]);
  assert.equal(shellWords('goon-probe merge a.json b.json > merged.json'), ['goon-probe', 'merge', 'a.json', 'b.json']);
});

test('every goon-probe command of the README and docs/ is valid as written', () => {
  const shown = PAGES.flatMap((page) => commandsOf(page).map((line) => ({ page, line })));
  assert.ok(shown.length >= 30, `${shown.length} commands found`);
  const wrong = shown.map(({ page, line }) => ({ page, line, problem: problemOf(line) })).filter((c) => c.problem);
  assert.equal(
    wrong.map((c) => `${c.page}: ${c.line}: ${c.problem}`),
    [],
  );
});

test.run();
