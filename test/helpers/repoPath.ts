import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root folder. The same whether the tests run from their TypeScript (through tsx)
 * or compiled into .build/ by `npm test`, where package.json is a link back to the real one.
 */
const ROOT = dirname(realpathSync(fileURLToPath(new URL('../../package.json', import.meta.url))));

/** Returns the path of a file or folder of the repository, given relative to its root. */
export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);
