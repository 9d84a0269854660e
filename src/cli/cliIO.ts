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
  /**
   * Calls the handler on every Ctrl-C (or SIGTERM, SIGHUP) with how many there have been. After the
   * first, the process exits at once (130) unless the handler returns true: it is finishing
   * something that must not be cut (the report files). Returns the remover.
   */
  onInterrupt(handler: (press: number) => boolean | undefined): () => void;
}
