import { readFileSync, writeFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { repoPath } from './repoPath.js';

/** Returns the path of a file under fixtures/. */
export const fixture = (name: string): string => repoPath('fixtures', name);

/** Compares with a golden file under fixtures/; UPDATE_GOLDEN=1 rewrites it on purpose. */
export function golden(name: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(fixture(name), actual);
  assert.fixture(actual, readFileSync(fixture(name), 'utf8'));
}
