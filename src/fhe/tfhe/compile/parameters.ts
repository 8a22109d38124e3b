/**
 * The parameter sets a circuit may use: tfhe's own KS-PBS shortint sets, read at run
 * time (never hand-copied). tfhe exposes a set's noise distributions only inside a
 * serialized client key, so reading one makes a throwaway key from a fixed seed and
 * keeps only its parameters; no key leaves this module.
 */
import * as tfhe from 'node-tfhe';
import { readClientKey } from '../shortint/client_key';
import { ShortintParameterSet, defaultParameterSetName, tfheParameters } from '../shortint/parameters';

const cache = new Map<string, ShortintParameterSet>();

/** The plain parameters of tfhe's set `name`, with its carry modulus replaced when given. */
export function readParameterSet(name: string, carryModulus?: number): ShortintParameterSet {
  const key = `${name}/${carryModulus ?? ''}`;
  let p = cache.get(key);
  if (!p) {
    const ck = tfhe.Shortint.new_client_key_from_seed_and_parameters(0n, 0n, tfheParameters(name, { carryModulus }));
    p = readClientKey(tfhe.Shortint.serialize_client_key(ck)).params;
    ck.free();
    cache.set(key, p);
  }
  return { ...p };
}

/**
 * The sets the compiler tries by default: tfhe's newest Gaussian KS-PBS set for each
 * message width 1..8 (carry 0). They span N = 256 … 65536; sets with the same N and a
 * carry differ only in the plaintext modulus, which the compiler sets itself.
 */
export function defaultCandidates(): string[] {
  const out: string[] = [];
  for (let bits = 1; bits <= 8; bits++) {
    try {
      out.push(defaultParameterSetName(bits));
    } catch {
      /* this tfhe has no such set */
    }
  }
  return out;
}

/**
 * Relative cost of one KS-PBS: n CMuxes, each (k+1)·l forward FFTs of size N, a
 * (k+1)²·l pointwise product and k+1 inverse FFTs. Only used to order candidates.
 */
export function pbsCost(p: ShortintParameterSet): number {
  const k1 = p.glweDimension + 1;
  const n = p.polynomialSize;
  return p.lweDimension * (k1 * p.pbsLevel + k1) * n * Math.log2(n) + p.lweDimension * k1 * k1 * p.pbsLevel * n;
}
