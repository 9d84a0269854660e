/** Everything a command may do to the outside world: write, ask, and hear Ctrl-C. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  readonly columns: number;
  /** The environment variables (GITHUB_STEP_SUMMARY, say). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Asks a yes/no question on the terminal; resolves true for yes. */
  confirm(question: string): Promise<boolean>;
  /** Calls the handler on the first Ctrl-C (or SIGTERM); a second Ctrl-C exits at once. Returns the remover. */
  onInterrupt(handler: () => void): () => void;
}
