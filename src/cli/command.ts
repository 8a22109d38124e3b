/** What every CLI command is: a name, a usage text and a handler returning the exit code. */
export interface Command {
  name: string;
  /** Usage lines shown by `privlab help` (indented by the caller). */
  usage: string;
  run(argv: string[]): Promise<number>;
  /**
   * The usage text for `privlab NAME … --help` when it differs from `usage` (a subcommand's, a
   * benchmark's); a promise when it must load modules first.
   */
  helpFor?(argv: string[]): string | Promise<string>;
}

/** `--help` or `-h` anywhere in a command's arguments asks for its usage instead of a run. */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** One subcommand of a command group: its name, usage lines (full, with "privlab GROUP NAME") and handler. */
export interface Subcommand {
  name: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** A command made of subcommands (`privlab fhe keygen …`): one table; help lists every usage. */
export function commandGroup(name: string, subcommands: Subcommand[]): Command {
  return {
    name,
    usage: subcommands.map((s) => s.usage).join('\n'),
    async run(argv) {
      const [sub, ...rest] = argv;
      const s = subcommands.find((c) => c.name === sub);
      if (!s) throw new UsageError(`unknown ${name} subcommand "${sub ?? ''}" (expected: ${subcommands.map((c) => c.name).join(', ')})`);
      return s.run(rest);
    },
    helpFor(argv) {
      return subcommands.find((c) => c.name === argv[0])?.usage ?? this.usage;
    },
  };
}

/** Bad command-line input: reported with exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A numeric option, checked. */
export function numberOption(name: string, value: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, got "${value}"`);
  return n;
}

/** `--mnist canonical|small`: the canonical 60k/10k digits (default) or the small 10k set. */
export function mnistOption(value: string | undefined): 'canonical' | 'small' | undefined {
  if (value === undefined || value === 'canonical' || value === 'small') return value;
  throw new UsageError(`--mnist must be canonical or small, got "${value}"`);
}

/** An integer option ≥ `min` (undefined when absent). */
export function intOption(name: string, value: string | undefined, min: number): number | undefined {
  return numberOption(name, value, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
}

/** A comma-separated list of integers ≥ min (`--filters 16,32`), each checked as intOption does; undefined when absent. */
export function intListOption(name: string, value: string | undefined, min: number): number[] | undefined {
  return value?.split(',').map((v) => intOption(name, v.trim(), min) as number);
}

/** The FHE compiler's error targets and rounding as command-line options (`--p-error`, `--global-p-error`, `--rounding-bits`). */
export const COMPILER_LEVER_OPTIONS = {
  'p-error': { type: 'string' },
  'global-p-error': { type: 'string' },
  'rounding-bits': { type: 'string' },
} as const;

/** Those options, checked, under the compiler's names (compile/options.ts). */
export function compilerLevers(values: { 'p-error'?: string; 'global-p-error'?: string; 'rounding-bits'?: string }): {
  pError?: number;
  globalPError?: number;
  roundingThresholdBits?: number;
} {
  const probability = (n: number): boolean => n > 0 && n < 1;
  return {
    pError: numberOption('p-error', values['p-error'], probability, 'in (0, 1)'),
    globalPError: numberOption('global-p-error', values['global-p-error'], probability, 'in (0, 1)'),
    roundingThresholdBits: numberOption('rounding-bits', values['rounding-bits'], (n) => Number.isInteger(n) && n >= 1 && n <= 24, 'an integer in [1, 24]'),
  };
}
