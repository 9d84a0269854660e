// Help that teaches: options by topic, exit codes, loopback examples, and "did you mean" for a
// mistyped option, named as typed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/runCli.js';
import {
  DEMO_OPTIONS,
  K8S_OPTIONS,
  MERGE_OPTIONS,
  longName,
  optionKey,
  PROBE_OPTIONS,
  REPORT_OPTIONS,
  SERVE_OPTIONS,
} from '../../src/config/optionSpecs.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { formatDuration } from '../../src/units.js';
import { closestOption, editDistance, optionsHelp, PROBE_GROUPS, unknownOption } from '../../src/cli/helpText.js';
import { recordingIO } from '../helpers/recordingIO.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = recordingIO();
  const code = await runCli(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

test('every probe option is in exactly one topic, and every topic name is an option', () => {
  const grouped = PROBE_GROUPS.flatMap(([, names]) => names);
  assert.equal([...grouped].sort(), PROBE_OPTIONS.map(longName).sort());
  assert.is(new Set(grouped).size, grouped.length, 'no option twice');
});

test('--help: topics, exit codes, loopback examples, and no "(default: true)" on --no-* flags', async () => {
  const help = await cli(['--help']);
  assert.is(help.code, 0);
  for (const [title] of PROBE_GROUPS) assert.ok(help.stdout.includes(`\n${title}:\n`), title);
  assert.match(help.stdout, /^Exit codes:\n {2}0 /m);
  assert.match(help.stdout, /^ {2}3 +inconclusive/m);
  assert.not.match(help.stdout, /default: true/);
  assert.not.match(help.stdout, /example\.com/);
  const examples = help.stdout.split('Examples:\n')[1]?.split('\n\n')[0] ?? '';
  assert.not.match(examples, / -y\b|--assume-yes/, 'no example skips the safety prompt');
  for (const line of examples.split('\n'))
    assert.match(line, /^ {2}\$ goon-probe ([a-z]+:\/\/([a-z]+@)?)?127\.0\.0\.1/);
});

test("a command's help: its description, only the arguments it takes, an example, the exit codes", async () => {
  const serve = await cli(['serve', '--help']);
  assert.match(serve.stdout, /Usage:\n {2}\$ goon-probe serve \[options\]\n\nRun a built-in target server/);
  assert.not.match(serve.stdout, /\[\.\.\.extra\]/);
  assert.match(serve.stdout, /Examples:\n {2}\$ goon-probe serve /);
  assert.match(serve.stdout, /Exit codes:/);
  const merge = await cli(['merge', '--help']);
  assert.match(merge.stdout, /Merge the run records of a ramp split into segments/);
});

test('an unknown option is named as typed, with the one it most likely meant', async () => {
  const cases: Array<[string[], string]> = [
    [['127.0.0.1:1', '--maxConections', '5'], 'unknown option --maxConections; did you mean --max-connections?'],
    [
      ['127.0.0.1:1', '--ramp', '1/s', '--max-conections=5'],
      'unknown option --max-conections; did you mean --max-connections?',
    ],
    [['serve', '--max-conection', '3'], 'unknown option --max-conection; did you mean --max-connections?'],
    [['127.0.0.1:1', '--frobnicate'], 'unknown option --frobnicate; see goon-probe --help for the options'],
  ];
  for (const [args, line] of cases) {
    const run = await cli(args);
    assert.is(run.code, 1);
    assert.ok(run.stderr.startsWith(`goon-probe: ${line}`), run.stderr);
    assert.is(run.stderr.trim().split('\n').length, 1);
  }
});

test('edit distance, the closest option, and the first unknown argument (values skipped)', () => {
  assert.equal([editDistance('kitten', 'sitting'), editDistance('', 'ab'), editDistance('same', 'same')], [3, 2, 0]);
  assert.is(closestOption('--rmap', PROBE_OPTIONS), '--ramp');
  assert.is(closestOption('--zzzzzzzzzz', PROBE_OPTIONS), null, 'nothing close');
  assert.is(unknownOption(['127.0.0.1:1', '--send', '--odd', '--nope'], PROBE_OPTIONS), '--nope', "--send's value");
  assert.is(
    unknownOption(['--no-reopen', '--reopen', '-c', '-5'], PROBE_OPTIONS),
    null,
    'negations and negative values',
  );
  assert.is(unknownOption(['--tls', '--ca=x'], SERVE_OPTIONS), '--ca', 'serve has no --ca');
});

test("defaults live in one table: the help reads the config's DEFAULTS, no description writes its own", () => {
  const all = [PROBE_OPTIONS, SERVE_OPTIONS, K8S_OPTIONS, DEMO_OPTIONS, REPORT_OPTIONS, MERGE_OPTIONS].flat();
  assert.equal(
    all.filter((spec) => /\(default/.test(spec.description)).map((spec) => spec.flags),
    [],
  );
  const byKey = new Map(PROBE_OPTIONS.map((spec) => [optionKey(spec), spec]));
  assert.is(byKey.get('round')?.default, formatDuration(DEFAULTS.roundMs));
  assert.is(byKey.get('settle')?.default, formatDuration(DEFAULTS.settleMs));
  assert.is(byKey.get('errorThreshold')?.default, DEFAULTS.threshold);
  assert.is(byKey.get('connections')?.default, String(DEFAULTS.connections));
  assert.ok(optionsHelp(PROBE_OPTIONS).includes(`(default: ${formatDuration(DEFAULTS.expectTimeoutMs)})`));
  assert.is(optionKey({ flags: '--no-reopen', description: '' }), 'reopen');
  assert.is(optionKey({ flags: '-c, --connections <n>', description: '' }), 'connections');
});

test.run();
