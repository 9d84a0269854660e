import type { FleetOptions } from './fleet.js';
import type { NativeLoad } from './nativeEngine.js';

/** The connection engines: the C one on epoll (plain TCP), and the TypeScript fleet (everything). */
export type EngineName = 'native' | 'js';
/** `--engine`: auto is the native engine where it covers the run and loads (chooseEngine). */
export type EngineRequest = 'auto' | EngineName;
export const ENGINE_REQUESTS: readonly EngineRequest[] = ['auto', 'native', 'js'];

/** The engine a run uses, and why, for the record, the report and `doctor`. */
export interface EngineChoice {
  readonly engine: EngineName;
  readonly why: string;
}

/** What the native engine needs to know of a fleet's options to tell whether it covers them. */
export type NativeNeeds = Pick<
  FleetOptions,
  | 'send'
  | 'expect'
  | 'message'
  | 'latencyMarker'
  | 'connectRatePerSec'
  | 'transport'
  | 'heartbeat'
  | 'leanSockets'
  | 'messageRatePerSec'
  | 'bandwidthBytesPerSec'
>;

/**
 * Returns what a run needs that the native engine does not do, as the flag that needs it, or null
 * when it covers the run: plain TCP, with --send's bytes, --expect's literal bytes, --message at its
 * rate and bandwidth and --latency-marker, or none of them.
 */
export function nativeGap(o: NativeNeeds): string | null {
  if (o.transport && o.transport.kind !== 'tcp') return o.transport.kind === 'tls' ? '--tls' : '--websocket';
  if (o.expect?.kind === 'protocol') return 'a URL target (its protocol)';
  if (o.expect?.kind === 'regex') return '--expect /regex/';
  if (o.heartbeat !== undefined) return '--heartbeat';
  if (o.connectRatePerSec !== undefined) return '--connect-rate';
  if (o.leanSockets === false) return '--no-lean-sockets';
  return null;
}

/**
 * Chooses the engine: `--engine js` always gets the TypeScript fleet; `native` gets the C engine
 * when it covers the run and loads here, and is an error (a string to report) when it cannot be
 * honoured. `auto` gets the C engine wherever it covers the run and loads, and the TypeScript fleet
 * otherwise, saying why. Both engines count by the same rules (settle, the late-close correction of
 * the ramp, the pace), so which one dialed does not change the answer; the accuracy matrix, run on
 * each engine, is what shows it.
 */
export function chooseEngine(asked: EngineRequest, gap: string | null, load: NativeLoad): EngineChoice | string {
  if (asked === 'js') return { engine: 'js', why: '--engine js' };
  if (gap !== null) {
    if (asked === 'native')
      return `--engine native covers plain TCP with --send, a literal --expect and --message; ${gap} needs the TypeScript engine: drop --engine native (auto picks it), or ${gap}`;
    return { engine: 'js', why: `${gap} needs the TypeScript engine` };
  }
  if (!load.ok) {
    if (asked === 'native')
      return `--engine native: ${load.why}; run npm run build:native where a C compiler is, or use --engine js`;
    return { engine: 'js', why: `the native engine is not available: ${load.why}` };
  }
  if (asked === 'auto') return { engine: 'native', why: `auto: the C engine on epoll (${load.from})` };
  return { engine: 'native', why: `--engine native: the C engine on epoll (${load.from})` };
}
