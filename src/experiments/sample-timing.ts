/**
 * Time per encrypted sample, as the experiments report it. The machine is shared, so the
 * headline is the median over samples (wall clock, encrypt + server + decrypt), with the
 * mean beside it, and the server's process CPU time per PBS (all threads; it does not
 * grow when other jobs take the cores, wall time does).
 */
import { median } from '../util/stats';
import { PhaseTimes } from '../fhe/tfhe/run/model';

export interface SampleTiming {
  s_per_image: number;
  s_per_image_mean: number;
  phases: { keygen_s: number; server_load_s: number; encrypt_s_per_image: number; server_s_per_image: number; decrypt_s_per_image: number };
  pbs_count: number;
  /** Server wall time per PBS (all cores), and its CPU time per PBS. */
  ms_per_pbs: number;
  cpu_ms_per_pbs: number;
}

export function sampleTiming(t: PhaseTimes, samples: number, pbs: number): SampleTiming {
  return {
    s_per_image: median(t.per_sample_s),
    s_per_image_mean: (t.encrypt_s + t.server_s + t.decrypt_s) / samples,
    phases: {
      keygen_s: t.keygen_s,
      server_load_s: t.server_load_s,
      encrypt_s_per_image: t.encrypt_s / samples,
      server_s_per_image: t.server_s / samples,
      decrypt_s_per_image: t.decrypt_s / samples,
    },
    pbs_count: pbs,
    ms_per_pbs: (1000 * t.server_s) / samples / pbs,
    cpu_ms_per_pbs: (1000 * t.server_cpu_s) / samples / pbs,
  };
}
