/**
 * What a benchmark is (the registry's leaf module: entries import this, never the registry).
 * Each parses its own options and returns one JSON-able object; `privlab bench NAME` prints it.
 */
export interface NamedBenchmark {
  name: string;
  /** Usage line(s) of `privlab bench NAME`. */
  usage: string;
  /** Runs with the command-line options after the name; `log` writes progress (stderr). */
  run(argv: string[], log: (line: string) => void): Promise<object>;
}
