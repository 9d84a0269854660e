import type { CliIO } from './cliIO.js';
import { UsageError } from '../usageError.js';

/**
 * Returns true once the user confirms an action outside this machine's loopback; without a
 * terminal to ask on, throws a UsageError that names -y/--assume-yes. Says so when the answer is no.
 */
export async function confirmOutside(what: string, question: string, io: CliIO): Promise<boolean> {
  if (!io.stdinIsTTY) throw new UsageError(`${what}; refusing without confirmation, pass -y/--assume-yes to go ahead`);
  const yes = await io.confirm(`${what}. ${question}? [y/N] `);
  if (!yes) io.err('not confirmed; nothing was sent\n');
  return yes;
}
