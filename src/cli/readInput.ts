import { readFileSync } from 'node:fs';
import { UsageError } from '../usageError.js';

/**
 * Returns the text of a file, or of standard input for `-`, read to its end. Standard input is read
 * as a stream: a pipe from a slow writer (`kubectl logs … | goon-probe merge -`) or one larger than
 * the pipe's buffer is read whole, where a synchronous read of a non-blocking pipe fails (EAGAIN).
 * A file that cannot be read is a usage error naming it, with `fix` as the way out.
 */
export async function readInput(
  source: string,
  fix: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  try {
    if (source !== '-') return readFileSync(source, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${JSON.stringify(source)} (${(err as { code?: string }).code ?? 'error'}); ${fix}`,
    );
  }
}
