import type { CliIO } from './cliIO.js';
import { buildProbeConfig, rampConfig, type RawOptions } from '../config/probeConfig.js';
import { resolveTarget } from '../net/resolve.js';
import { runRampProbe } from '../probe/runRampProbe.js';
import { renderRampReport } from '../report/rampText.js';
import { formatRoundLine } from '../report/roundLine.js';
import { startTargetServer } from '../servers/targetServer.js';
import { parseCount } from '../units.js';
import { resultLine } from '../report/explain.js';

/** Default limit of the demo's embedded target. */
export const DEMO_LIMIT = 1000;
/** Default ramp of the demo. */
export const DEMO_RAMP = '500/s';

/**
 * Starts a built-in target that accepts and then closes past a known limit, probes it in the same
 * process, and shows that the discovered maximum equals the limit. Returns 0 when it does.
 */
export async function demoCommand(raw: RawOptions, io: CliIO): Promise<number> {
  const limit = typeof raw.limit === 'string' ? parseCount(raw.limit, '--limit') : DEMO_LIMIT;
  const ramp = typeof raw.ramp === 'string' ? raw.ramp : DEMO_RAMP;
  const server = await startTargetServer({ maxConnections: limit, overLimit: 'error-close', reply: 'echo' });
  io.err(
    `demo: built-in target on ${server.address} serves ${limit} connections, then answers "-ERR max number of clients reached" and closes\n`,
  );
  try {
    const config = rampConfig(
      buildProbeConfig({ ramp, maxDuration: '60s', send: 'ping\\n', expect: 'ping' }, [server.address], () =>
        Buffer.alloc(0),
      ),
    );
    const controller = new AbortController();
    const remove = io.onInterrupt(() => void controller.abort());
    try {
      const result = await runRampProbe(
        config,
        { routes: [{ endpoint: await resolveTarget(config.target) }], workers: 1 },
        {
          signal: controller.signal,
          onRound: (round) => io.err(`${formatRoundLine(round)}\n`),
        },
      );
      io.out(renderRampReport(result, { width: io.columns, color: io.stdoutIsTTY }));
      const match = result.maximum === limit;
      io.out(
        `Demo: the target's limit is ${limit}; the probe found ${result.maximum}: ${match ? 'exact match' : 'MISMATCH'}\n`,
      );
      io.out(`${resultLine(result)}\n`);
      return result.exitCode === 130 ? 130 : match ? 0 : 2;
    } finally {
      remove();
    }
  } finally {
    await server.close();
  }
}
