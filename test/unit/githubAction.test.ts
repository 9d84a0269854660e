// The GitHub Action and the documentation's workflows: they parse, the workflows are workflows (`on:`,
// jobs with steps), and every `with:` given to the action names an input the action has.
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { repoPath } from '../helpers/repoPath.js';

const read = (path: string): string => readFileSync(repoPath(path), 'utf8');
const action = parse(read('action.yml')) as {
  inputs: Record<string, { required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; steps: Array<{ run?: string; env?: Record<string, string>; shell?: string }> };
};
/** The documentation: the README and the pages of docs/. */
const DOCS = [
  'README.md',
  ...readdirSync(repoPath('docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
/** The YAML blocks of the documentation that are GitHub workflows. */
const workflows = [
  ...DOCS.map(read)
    .join('\n')
    .matchAll(/```yaml\n([\s\S]*?)```/g),
]
  .map((m) => parse(m[1] as string) as Record<string, unknown>)
  .filter((doc) => doc && typeof doc === 'object' && 'jobs' in doc);

test('action.yml: a composite action with the inputs and outputs the README names', () => {
  assert.is(action.runs.using, 'composite');
  assert.equal(Object.keys(action.inputs).sort(), [
    'args',
    'expect',
    'max-duration',
    'min-concurrency',
    'ramp',
    'record',
    'send',
    'target',
  ]);
  assert.is(action.inputs.target?.required, true);
  assert.equal(Object.keys(action.outputs).sort(), ['exit-code', 'record']);
  for (const step of action.runs.steps) assert.is(step.shell, 'bash', 'a composite step names its shell');
  const probe = action.runs.steps.find((s) => s.run?.includes('dist/bin.js'));
  assert.ok(probe?.env, 'inputs reach the script through env, never pasted into it');
  assert.not.match(probe?.run ?? '', /\$\{\{/, 'no expression inside the script');
  for (const name of probe?.run?.match(/\$([A-Z_]+)\b/g) ?? []) {
    const v = name.slice(1);
    assert.ok(v in (probe?.env ?? {}) || v.startsWith('GITHUB_'), `${v} is set`);
  }
  assert.match(read('action.yml'), /exit \$code/, "the step fails with the probe's exit code");
});

test("the README's workflows are workflows, and they give the action only its own inputs", () => {
  assert.ok(workflows.length >= 2, `${workflows.length} workflows in the README`);
  let uses = 0;
  for (const wf of workflows) {
    assert.ok('on' in wf, `a workflow needs on: (${JSON.stringify(Object.keys(wf))})`);
    for (const [name, job] of Object.entries(wf.jobs as Record<string, { steps?: unknown[]; 'runs-on'?: unknown }>)) {
      assert.ok(job['runs-on'], `job ${name} says where it runs`);
      for (const step of (job.steps ?? []) as Array<{ uses?: string; with?: Record<string, unknown> }>) {
        if (!step.uses || !/goon-probe@/.test(step.uses)) continue;
        uses++;
        const given = Object.keys(step.with ?? {});
        assert.equal(
          given.filter((k) => !(k in action.inputs)),
          [],
          `unknown inputs in ${name}`,
        );
        assert.ok(given.includes('target'), 'the required input');
      }
    }
  }
  assert.ok(uses >= 1, 'a README workflow uses the action');
});

test('package.json names one repository: repository, homepage, bugs and the action the README uses agree', () => {
  const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8'));
  const repo = /^git\+https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\.git$/.exec(pkg.repository?.url ?? '')?.[1];
  assert.ok(repo, `repository.url is a GitHub git URL: ${pkg.repository?.url}`);
  assert.is(pkg.homepage, `https://github.com/${repo}#readme`);
  assert.is(pkg.bugs?.url, `https://github.com/${repo}/issues`);
  const readme = DOCS.map(read).join('\n');
  const used = [...readme.matchAll(/uses: ([\w.-]+\/goon-probe)@/g)].map((m) => m[1]);
  assert.ok(used.length > 0 && used.every((u) => u === repo), `the README uses ${repo}: ${used.join(', ')}`);
  const redis = (workflows[0]?.jobs as Record<string, { services?: Record<string, { options?: string }> }> | undefined)
    ?.capacity?.services?.redis;
  assert.match(redis?.options ?? '', /--health-cmd/, 'the service is healthy before the gate probes it');
});

test.run();
