// The action's probe step, run as GitHub would run it (bash, inputs in env, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files), against a built-in target on loopback.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { builtBin, withoutCoverage } from '../helpers/cli.js';
import { withServer } from '../helpers/servers.js';
import { withDir } from '../helpers/tempDir.js';
import { repoPath } from '../helpers/repoPath.js';

const ROOT = repoPath();
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  runs: { steps: Array<{ id?: string; run: string }> };
};
const probeStep = action.runs.steps.find((s) => s.id === 'probe') as { run: string };

/**
 * Runs the action's probe step with these inputs; resolves with its exit code, outputs and summary.
 * Asynchronously: the target runs in this process and must keep serving meanwhile.
 */
async function runStep(
  dir: string,
  inputs: Record<string, string>,
): Promise<{ code: number | null; outputs: string; summary: string }> {
  const [outputs, summary] = [join(dir, 'output'), join(dir, 'summary.md')];
  writeFileSync(outputs, '');
  writeFileSync(summary, '');
  const child = spawn('bash', ['-e', '-c', probeStep.run], {
    cwd: dir,
    stdio: 'ignore',
    env: {
      ...withoutCoverage(),
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_OUTPUT: outputs,
      GITHUB_STEP_SUMMARY: summary,
      RAMP: '500/s',
      MAX_DURATION: '10s',
      MIN_CONCURRENCY: '',
      SEND: '',
      EXPECT: '',
      ARGS: '',
      RECORD: 'goon-probe-record.json',
      ...inputs,
    },
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, outputs: readFileSync(outputs, 'utf8'), summary: readFileSync(summary, 'utf8') };
}

test("the action's step: the gate decides the step's exit code; the record and the summary are written", async () => {
  builtBin();
  await withServer({ maxConnections: 60, overLimit: 'error-close', reply: 'echo' }, async (server) => {
    await withDir(async (dir) => {
      const common = { TARGET: server.address, SEND: 'ping\\n', EXPECT: 'ping', ARGS: '--round 250ms --settle 300ms' };
      const pass = await runStep(dir, { ...common, MIN_CONCURRENCY: '50' });
      assert.is(pass.code, 0, pass.outputs);
      assert.match(pass.outputs, /^record=goon-probe-record\.json$/m);
      assert.match(pass.outputs, /^exit-code=0$/m);
      assert.is(JSON.parse(readFileSync(join(dir, 'goon-probe-record.json'), 'utf8')).result.verdict, 'gate-met');
      assert.match(pass.summary, /concurrent connections/, 'the Markdown report in the job summary');
      await server.idle();
      const fail = await runStep(dir, { ...common, MIN_CONCURRENCY: '100' });
      assert.is(fail.code, 2, "below the gate: the step fails with the probe's exit code");
      assert.match(fail.outputs, /^exit-code=2$/m);
    });
  });
});

test.run();
