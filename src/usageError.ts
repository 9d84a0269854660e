/**
 * A problem with what the user asked for: bad flags, a bad target, a name that does not resolve.
 * The CLI prints its message as one line and exits 1; it never carries a stack trace to the user.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
