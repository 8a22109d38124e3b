/**
 * The time model the p_error sweeps share (bench fhe-levers, fhe-sklearn --p-error-sweep): the
 * process CPU time of one key switch + PBS of a parameter set on one thread (bench/fhe/pbs.ts),
 * measured once per set. Sets with N above `timeMaxN` are not timed (null): their evaluation keys
 * take GBs (N = 16384) and minutes to generate on this machine.
 */
import { benchPbs } from './pbs';
import { readParameterSet } from '../../src/fhe/tfhe/compile/parameters';

export interface PbsTimerOptions {
  /** largest polynomial size N timed */
  timeMaxN: number;
  /** timed batches per set (median) */
  repeats: number;
  log?: (line: string) => void;
}

/** CPU ms per KS + PBS on one thread of a set (null above timeMaxN), each set measured once. */
export function pbsTimer(o: PbsTimerOptions): (parameterSet: string) => Promise<number | null> {
  const timed = new Map<string, number | null>();
  return async (set) => {
    if (!timed.has(set)) {
      if (readParameterSet(set).polynomialSize > o.timeMaxN) timed.set(set, null);
      else {
        o.log?.(`timing a key switch + PBS on ${set}`);
        timed.set(set, (await benchPbs({ parameterSet: set, batch: 2, repeats: o.repeats })).cpu_ms_per_ks_pbs_1_thread);
      }
    }
    return timed.get(set) ?? null;
  };
}
