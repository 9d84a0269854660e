import type { EngineName } from './engineChoice.js';
import { Fleet, type FleetOptions } from './fleet.js';
import type { LocalFleet } from './fleetControl.js';
import { loadNativeEngine } from './nativeEngine.js';
import { NativeFleet } from './nativeFleet.js';

/**
 * Returns a fleet in this process on the engine chosen for the run (engineChoice.ts): the C engine
 * or the TypeScript fleet. The choice was made where the addon loaded, so a native engine that
 * does not load here is an error, not a silent change of engine.
 */
export function localFleet(options: FleetOptions, engine: EngineName): LocalFleet {
  if (engine === 'js') return new Fleet(options);
  const load = loadNativeEngine();
  if (!load.ok) throw new Error(`the native engine chosen for this run did not load: ${load.why}`);
  return new NativeFleet(load.addon, options);
}
