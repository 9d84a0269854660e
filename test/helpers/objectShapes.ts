import { setFlagsFromString } from 'node:v8';

/**
 * Returns a function that tells whether two objects share V8's hidden class (their "map"). Objects
 * a run keeps by the thousand (a round a second for hours) must share one: an object with a shape of
 * its own costs about a kilobyte more. Uses V8's `%HaveSameMap`, enabled for the code compiled here.
 */
export function shapeComparer(): (a: object, b: object) => boolean {
  setFlagsFromString('--allow-natives-syntax');
  return new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
}
