/** One `strata` sub-command. `run` resolves to the process exit code. */
export interface Command {
  name: string;
  /** One line for `strata --help`. */
  summary: string;
  /** The full `strata <name> --help` text. */
  usage: string;
  run(argv: string[]): Promise<number>;
}
