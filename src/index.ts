/**
 * goon-probe as a library: `probe()` runs a capacity probe and returns its run record; `serve()`
 * starts a built-in target. The CLI is a user of the same run (`api/measure.ts`).
 *
 *   import { probe, serve } from 'goon-probe';
 *   const target = await serve({ maxConnections: 50, banner: '+OK\r\n' });
 *   const record = await probe({ target: target.address, ramp: '100/s', expect: '+OK', maxDuration: '10s' });
 *   await target.close();
 *   record.result.mode === 'ramp' && record.result.maximum; // 50
 */
export { probe, type ProbeOptions } from './api/probe.js';
export { serve, type ServeOptions, type Target } from './api/serve.js';
export type { OptionValue } from './api/rawOptions.js';
export type { RunRecord } from './record/runRecord.js';
export type { Diagnosis } from './probe/diagnose.js';
export type { FixedResult, RampResult, RoundRecord } from './probe/result.js';
export type { TargetServerStats } from './servers/targetServer.js';
export { UsageError } from './usageError.js';
