import { parseArgs } from 'node:util';
import { commandGroup, intOption, numberOption, UsageError } from '../command';
import { DEFAULT_RDP_ORDERS, epsilonFor, noiseMultiplierFor } from '../../fl/dp';

const OPTIONS = {
  'noise-multiplier': { type: 'string' },
  epsilon: { type: 'string' },
  'sample-rate': { type: 'string' },
  steps: { type: 'string' },
  delta: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS });
}

function required<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** The options both subcommands share. */
function common(values: Values): { sampleRate: number; steps: number; delta: number } {
  return {
    sampleRate: required(
      'sample-rate',
      numberOption('sample-rate', values['sample-rate'], (n) => n > 0 && n <= 1, 'in (0, 1]'),
    ),
    steps: required('steps', intOption('steps', values.steps, 1)),
    delta: required(
      'delta',
      numberOption('delta', values.delta, (n) => n > 0 && n < 1, 'in (0, 1)'),
    ),
  };
}

/** ε's order at the end of the default range means more orders could tighten it. */
function warnIfEdgeOrder(order: number): void {
  if (order === DEFAULT_RDP_ORDERS[0] || order === DEFAULT_RDP_ORDERS[DEFAULT_RDP_ORDERS.length - 1]) {
    process.stderr.write(`privlab dp: the best order is at the end of the range (${order}); a wider range of orders may give a smaller ε\n`);
  }
}

async function epsilon(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values.epsilon !== undefined) throw new UsageError('dp epsilon takes --noise-multiplier, not --epsilon');
  const noiseMultiplier = required(
    'noise-multiplier',
    numberOption('noise-multiplier', values['noise-multiplier'], (n) => n > 0, 'a number > 0'),
  );
  const { sampleRate, steps, delta } = common(values);
  const spent = epsilonFor({ noiseMultiplier, sampleRate, steps, delta });
  warnIfEdgeOrder(spent.order);
  if (values.json) {
    console.log(JSON.stringify({ epsilon: spent.epsilon, order: spent.order, noise_multiplier: noiseMultiplier, sample_rate: sampleRate, steps, delta }));
  } else {
    console.log(
      `epsilon ${spent.epsilon.toFixed(6)} (order ${spent.order}; delta ${delta}, noise multiplier ${noiseMultiplier}, sample rate ${sampleRate}, ${steps} steps)`,
    );
  }
  return 0;
}

async function noiseMultiplier(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values['noise-multiplier'] !== undefined) throw new UsageError('dp noise-multiplier takes --epsilon, not --noise-multiplier');
  const targetEpsilon = required(
    'epsilon',
    numberOption('epsilon', values.epsilon, (n) => n > 0, 'a number > 0'),
  );
  const { sampleRate, steps, delta } = common(values);
  let sigma: number;
  try {
    sigma = noiseMultiplierFor({ targetEpsilon, sampleRate, steps, delta });
  } catch (err) {
    // An unreachable budget is a problem with the arguments.
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  const spent = epsilonFor({ noiseMultiplier: sigma, sampleRate, steps, delta });
  if (values.json) {
    console.log(
      JSON.stringify({
        noise_multiplier: sigma,
        epsilon: spent.epsilon,
        order: spent.order,
        target_epsilon: targetEpsilon,
        sample_rate: sampleRate,
        steps,
        delta,
      }),
    );
  } else {
    console.log(
      `noise multiplier ${sigma} (spends epsilon ${spent.epsilon.toFixed(6)} ≤ ${targetEpsilon} at delta ${delta}, sample rate ${sampleRate}, ${steps} steps)`,
    );
  }
  return 0;
}

/** `privlab dp …`: the RDP accountant on the command line. */
export const dp = commandGroup('dp', [
  {
    name: 'epsilon',
    usage: `privlab dp epsilon --noise-multiplier S --sample-rate Q --steps T --delta D [--json]
    ε spent by T steps of the sampled Gaussian mechanism (DP-SGD / DP-FedAvg with noise
    std S·C on sums of C-clipped terms, each term sampled with probability Q), by the RDP
    accountant over Opacus's default orders.`,
    run: epsilon,
  },
  {
    name: 'noise-multiplier',
    usage: `privlab dp noise-multiplier --epsilon E --sample-rate Q --steps T --delta D [--json]
    The noise multiplier that spends at most E in T steps (bisection to within 0.01, as Opacus).`,
    run: noiseMultiplier,
  },
]);
