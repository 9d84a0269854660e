// goon-probe k8s: the Job it prints is one Kubernetes accepts (checked against the API schemas by
// kubernetes-models), and every pod runs its segment of one plan from one start.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { k8sWaitCommand } from '../../src/cli/k8sCommand.js';
import { runCli } from '../../src/cli/runCli.js';
import { recordingIO } from '../helpers/recordingIO.js';

async function k8s(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = recordingIO();
  const code = await runCli(['k8s', ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const ARGS = [
  'redis.example.svc:6379',
  '--ramp',
  '3000/s',
  '--max-duration',
  '2m',
  '--segments',
  '3',
  '--name',
  'redis-probe',
];

test('the Job validates against the Kubernetes schemas, and a field it would reject fails the check', async () => {
  const run = await k8s([...ARGS, '--image', 'registry.example/goon-probe:0.1.0']);
  assert.is(run.code, 0, run.stderr);
  const manifest = JSON.parse(run.stdout);
  new Job(manifest).validate(); // throws on anything the API server would refuse
  const broken = structuredClone(manifest);
  broken.spec.completionMode = 'Ordered';
  assert.throws(() => new Job(broken).validate(), /completionMode/);
  const noImage = structuredClone(manifest);
  delete noImage.spec.template.spec.containers[0].image;
  assert.not.throws(() => new Job(noImage).validate(), 'image is optional in the schema itself');
  const badName = structuredClone(manifest);
  badName.spec.template.spec.containers[0].name = 42;
  assert.throws(() => new Job(badName).validate());
});

test('an Indexed Job: one pod per segment at once, no retries, spread over nodes, non-root, read-only, with requests', async () => {
  const before = Date.now();
  const job = JSON.parse((await k8s([...ARGS, '--start-in', '90s'])).stdout);
  assert.equal([job.spec.completionMode, job.spec.completions, job.spec.parallelism], ['Indexed', 3, 3]);
  // A segment that exits non-zero fails its own index, unretried, and never ends the others: every record reaches the log.
  assert.equal(
    [job.spec.backoffLimitPerIndex, job.spec.maxFailedIndexes, job.spec.podReplacementPolicy, job.spec.backoffLimit],
    [0, 3, 'Failed', undefined],
    'no Job-wide backoffLimit, which ends every running pod at the first failure',
  );
  assert.ok(
    job.spec.activeDeadlineSeconds > 90 + 120 && job.spec.activeDeadlineSeconds < 600,
    'a stuck pod is bounded',
  );
  const pod = job.spec.template.spec;
  assert.is(pod.restartPolicy, 'Never');
  const spread = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
  assert.equal(
    [spread.topologyKey, spread.labelSelector.matchLabels['job-name']],
    ['kubernetes.io/hostname', 'redis-probe'],
  );
  assert.is(pod.securityContext.runAsNonRoot, true);
  const container = pod.containers[0];
  assert.is(container.securityContext.readOnlyRootFilesystem, true);
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
  assert.is(container.image, 'goon-probe:0.1.0', 'the default image names this version');
  const args: string[] = container.args;
  assert.equal(args.slice(0, 5), ['redis.example.svc:6379', '--ramp', '3000/s', '--max-duration', '2m']);
  assert.is(args[args.indexOf('--segment') + 1], '$(JOB_COMPLETION_INDEX)/3');
  const startAt = Date.parse(args[args.indexOf('--start-at') + 1] as string);
  assert.ok(startAt >= before + 89_000 && startAt <= Date.now() + 91_000, 'starts in 90 s, on a whole second');
  assert.is(job.metadata.labels['goon-probe/run-id'], args[args.indexOf('--run-id') + 1]);
  assert.ok(
    args.includes('--json') && args[args.indexOf('--json') + 1] === '-',
    'the record is the last line of the log',
  );
});

test('bad input: one line naming the fix', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['redis.example.svc:6379', '--ramp', '100/s'], /needs --segments N/],
    [['redis.example.svc:6379', '--segments', '3'], /add --ramp RATE/],
    [[...ARGS, '--json', 'x.json'], /--json is set by the Job/],
    [[...ARGS, '--segment', '1/3'], /--segment is set by the Job/],
    [['redis.example.svc:6379', '--ramp', 'fast', '--segments', '3'], /--ramp "fast" is not a rate/],
    [[...ARGS.slice(0, -2), '--name', 'Bad_Name'], /not a Kubernetes name/],
    // A URL's password would be readable in the Job: refused, and not echoed in the refusal.
    [
      ['redis://:hunter2@redis.example.svc:6379', '--ramp', '100/s', '--segments', '3'],
      /redis:\/\/:\*\*\*@redis\.example\.svc:6379 has a password, .* from a Secret as PGPASSWORD, REDISCLI_AUTH/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const run = await k8s(args);
    assert.is(run.code, 1, args.join(' '));
    assert.match(run.stderr, pattern);
    assert.is(run.stderr.trim().split('\n').length, 1);
  }
});

// Issue 24: a Job whose pods are bound to fail is refused here, in one line, not in the cluster.
const refused: Array<[string, string[], RegExp]> = [
  // a typo goes into every pod: named here, with what was meant
  ['a mistyped flag', ['--maxConections', '500'], /unknown option --maxConections; did you mean --max-connections\?/],
  ['a mistyped own flag', ['--imgae', 'x'], /unknown option --imgae; did you mean --image\?/],
  // a page into the log that merge reads, or a file the pod cannot have
  ['--html', ['--html', 'report.html'], /--html cannot work in a pod: .*merge … --html FILE/],
  ['--source-ip', ['--source-ip', '127.0.0.2'], /--source-ip cannot work in a pod/],
  ['-l', ['-l', '8080'], /-l cannot work in a pod/],
  ['--ca', ['--tls', '--ca', 'ca.pem'], /--ca cannot work in a pod: the file is on this machine/],
  ['a trailing --', ['--', 'extra'], /-- cannot work in a pod/],
  // named as typed, not as the --segment it becomes
  ['too many segments', ['--segments', '10001'], /--segments 10001 is too many; use at most 10000 pods/],
  ['an empty image', ['--image', ''], /--image "" is not an image reference/],
  ['an image with a space', ['--image', 'a b'], /--image "a b" is not an image reference/],
];
for (const [name, extra, message] of refused)
  test(`k8s refuses ${name} in one line (exit 1)`, async () => {
    const run = await k8s([...ARGS, ...extra]);
    assert.is(run.code, 1);
    assert.match(run.stderr, message);
    assert.is(run.stderr.trim().split('\n').length, 1, run.stderr);
  });

test("k8s: a user's $ survives Kubernetes' $(VAR) expansion, and the printed wait is bounded", async () => {
  const run = await k8s([...ARGS, '--send', 'PING $(HOME)\\r\\n']);
  assert.is(run.code, 0, run.stderr);
  const args = JSON.parse(run.stdout).spec.template.spec.containers[0].args as string[];
  assert.ok(args.includes('PING $$(HOME)\\r\\n'), JSON.stringify(args));
  assert.ok(
    args.some((a) => a.startsWith('$(JOB_COMPLETION_INDEX)/')),
    'the index stays an expansion',
  );
  const wait = /timeout (\d+) sh -c/.exec(run.stderr);
  // --start-in 60s + --max-duration 2m + settle and verification + 2 min for pods: about 5 min, never -1s.
  assert.ok(wait && Number(wait[1]) > 180 && Number(wait[1]) < 600, run.stderr);
});

test('the printed wait ends when the Job completes or fails, and at its timeout when neither comes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-kubectl-'));
  try {
    // A kubectl that answers `get job/NAME -o jsonpath=…` with the Job's true condition types.
    const kubectl = join(dir, 'kubectl');
    writeFileSync(
      kubectl,
      '#!/bin/sh\n[ "$1 $2 $3" = "get job/redis-probe -o" ] || exit 9\ncase "$4" in *\'@.status=="True"\'*) printf %s "$CONDITIONS";; *) exit 8;; esac\n',
    );
    chmodSync(kubectl, 0o755);
    const wait = (conditions: string, seconds: number) =>
      spawnSync('/bin/sh', ['-c', k8sWaitCommand('redis-probe', seconds)], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, CONDITIONS: conditions },
        timeout: 20_000,
      }).status;
    assert.is(wait('SuccessCriteriaMet Complete', 60), 0, 'complete');
    assert.is(wait('FailureTarget Failed', 60), 0, 'failed: a segment exited non-zero; the records are in the log');
    assert.is(wait('', 1), 124, 'still running at the timeout');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('k8s --help lists its own options', async () => {
  const run = await k8s(['--help']);
  assert.is(run.code, 0);
  for (const flag of ['--segments <n>', '--image <image>', '--name <name>', '--start-in <time>'])
    assert.ok(run.stdout.includes(flag), `${flag} in:\n${run.stdout}`);
});

test.run();
