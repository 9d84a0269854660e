/**
 * The accuracy matrix of the ramp issue: every over-limit behaviour of the built-in target, for
 * limits 200, 1000 and 3000 and ramps from 100/s to 5000/s, on loopback. Prints a Markdown table
 * (kept in the README's "Accuracy" section) and exits 1 if any maximum differs from the limit.
 *
 *   npm run accuracy                    every cell, each on the engine --engine auto gives it
 *   npm run accuracy -- --engine js     every cell on the TypeScript engine
 *   npm run accuracy -- --engine native every cell on the native engine (--send and a literal --expect too)
 */
import { buildProbeConfig, rampConfig } from '../src/config/probeConfig.js';
import { resolveTarget } from '../src/net/resolve.js';
import { runRampProbe } from '../src/probe/runRampProbe.js';
import { OVER_LIMIT_BEHAVIOURS } from '../src/servers/targetOptions.js';
import { chooseEngine, ENGINE_REQUESTS, nativeGap, type EngineRequest } from '../src/fleet/engineChoice.js';
import { loadNativeEngine } from '../src/fleet/nativeEngine.js';
import { fleetOptions } from '../src/probe/startFleet.js';
import { startCli } from '../test/helpers/cli.js';

const LIMITS = [200, 1000, 3000];
const RAMPS = ['100/s', '1000/s', '5000/s'];
const rows: string[] = [
  '| over-limit | limit | ramp | verification | engine | maximum | verdict | rounds | time |',
  '|---|---:|---:|---|---|---:|---|---:|---:|',
];
const argv = process.argv.slice(2);
const engineAt = argv.indexOf('--engine');
const asked = (engineAt >= 0 ? argv[engineAt + 1] : 'auto') as EngineRequest;
if (!ENGINE_REQUESTS.includes(asked)) throw new Error(`--engine ${asked}: use auto, native or js`);
const load = loadNativeEngine();
// Optional filter, e.g. `npm run accuracy -- queue 3000 5000/s`: only cells matching every word.
const only = argv.filter((_, i) => i !== engineAt && i !== engineAt + 1);
let wrong = 0;
for (const overLimit of OVER_LIMIT_BEHAVIOURS) {
  for (const limit of LIMITS) {
    for (const ramp of RAMPS) {
      if (ramp === '100/s' && limit > 1000) continue; // 30+ rounds each; the slow ramp is covered by the smaller limits
      if (only.some((word) => ![overLimit, String(limit), ramp].includes(word))) continue;
      const verify = overLimit === 'queue' || overLimit === 'error-close';
      // The target runs in its own process, as a real server would: sharing the prober's event loop
      // would delay its accept() by more than the settle window at thousands of dials a second.
      const serve = startCli([
        'serve',
        '--max-connections',
        String(limit),
        '--over-limit',
        overLimit,
        '--reply',
        'echo',
        '--backlog',
        '4096',
      ]);
      await serve.waitFor(/listening on \S+\n/);
      const server = { address: (/listening on (\S+)/.exec(serve.output()) as RegExpExecArray)[1] as string };
      const raw = {
        ramp,
        maxDuration: '60s',
        settle: '500ms',
        ...(verify ? { send: 'ping\\n', expect: 'ping', expectTimeout: '1s' } : {}),
      };
      const config = rampConfig(buildProbeConfig(raw, [server.address], () => Buffer.alloc(0)));
      const routes = [{ endpoint: await resolveTarget(config.target) }];
      const needs = fleetOptions(config, routes);
      const choice = chooseEngine(asked, nativeGap(needs), load);
      if (typeof choice === 'string') throw new Error(choice);
      const started = performance.now();
      const result = await runRampProbe(
        config,
        { routes, workers: 1, engine: choice.engine },
        { signal: new AbortController().signal },
      );
      serve.child.kill('SIGINT');
      await serve.done;
      const ok = result.maximum === limit && result.verdict === 'limit-found';
      if (!ok) wrong++;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      rows.push(
        `| ${overLimit} | ${limit} | ${ramp} | ${verify ? '--send/--expect' : 'open'} | ${choice.engine} | ${result.maximum}${ok ? '' : ' ✗'} | ${result.verdict} | ${result.rounds.length} | ${seconds}s |`,
      );
      process.stderr.write(`${rows.at(-1)}\n`);
    }
  }
}
process.stdout.write(
  `${rows.join('\n')}\n\n${wrong === 0 ? 'every maximum equals the limit' : `${wrong} cells differ from the limit`}\n`,
);
process.exitCode = wrong === 0 ? 0 : 1;
