/**
 * shortint parameter sets, read at run time from node-tfhe (TFHE-rs's own tables):
 * never hand-copied. `tfheParameters(name)` gives the tfhe object used to make client
 * keys; `ShortintParameterSet` is our plain view of a set, taken from a client key's
 * serialized parameters (the only place tfhe exposes the noise distributions).
 */
import * as tfhe from 'node-tfhe';
import { CoreParameters } from '../core/parameters';

export interface ShortintParameterSet extends CoreParameters {
  messageModulus: number;
  carryModulus: number;
  maxNoiseLevel: number;
  log2PFail: number;
  /** Only the native modulus 2^64 is supported. */
  ciphertextModulus: 'native';
  /** Only KS-PBS ("big" encryption key) is supported. */
  encryptionKeyChoice: 'big';
  /** How tfhe's own server would modulus-switch; ours always uses the mean-corrected switch. */
  modulusSwitch: 'standard' | 'drift' | 'centered';
}

/** The names of tfhe's KS-PBS shortint parameter sets (carry 0 ones first come in any order). */
export function parameterSetNames(): string[] {
  return Object.keys(tfhe.ShortintParametersName).filter((k) => Number.isNaN(Number(k)));
}

/** Default parameter set for each message width (carry 0), the newest tfhe ships. */
export function defaultParameterSetName(messageBits: number, carryBits = 0): string {
  const re = new RegExp(`^V(\\d+)_(\\d+)_PARAM_MESSAGE_${messageBits}_CARRY_${carryBits}_KS_PBS_GAUSSIAN_2M128$`);
  const candidates = parameterSetNames()
    .map((n) => ({ n, m: re.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(b.m[1]) - Number(a.m[1]) || Number(b.m[2]) - Number(a.m[2]));
  if (candidates.length === 0) throw new RangeError(`tfhe has no KS-PBS Gaussian parameter set for message ${messageBits} bits, carry ${carryBits} bits`);
  return candidates[0].n;
}

export interface ParameterOptions {
  /**
   * Raise (or set) the carry modulus: headroom for linear layers. It changes only the
   * plaintext scaling Δ = 2^63/(message·carry), not the lattice parameters or security;
   * it does raise the relative noise, so the error rate must be re-measured.
   */
  carryModulus?: number;
}

/** tfhe's parameter object for a named set (for Shortint.new_client_key). */
export function tfheParameters(name: string, options: ParameterOptions = {}): tfhe.ShortintParameters {
  const id = (tfhe.ShortintParametersName as unknown as Record<string, number>)[name];
  if (typeof id !== 'number') throw new RangeError(`unknown tfhe shortint parameter set "${name}"`);
  const p = new tfhe.ShortintParameters(id);
  if (p.encryption_key_choice() !== tfhe.ShortintEncryptionKeyChoice.Big) {
    throw new RangeError(`parameter set ${name} encrypts under the small key (PBS-KS); only KS-PBS sets are supported`);
  }
  if (options.carryModulus !== undefined) {
    const c = options.carryModulus;
    if (!Number.isInteger(c) || c < 1 || c > 256 || (c & (c - 1)) !== 0) throw new RangeError(`carry modulus must be a power of two in [1, 256], got ${c}`);
    p.set_carry_modulus(BigInt(c));
  }
  return p;
}

/** A compact label for reports: n, k, N, decompositions, moduli. */
export function describeParameters(p: ShortintParameterSet): string {
  return `n=${p.lweDimension} k=${p.glweDimension} N=${p.polynomialSize} PBS 2^${p.pbsBaseLog}x${p.pbsLevel} KS 2^${p.ksBaseLog}x${p.ksLevel} message=${p.messageModulus} carry=${p.carryModulus}`;
}

/** Two parameter sets describe the same keys and encoding. */
export function sameParameters(a: ShortintParameterSet, b: ShortintParameterSet): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(p: ShortintParameterSet): unknown[] {
  return [
    p.lweDimension,
    p.glweDimension,
    p.polynomialSize,
    p.lweNoise,
    p.glweNoise,
    p.pbsBaseLog,
    p.pbsLevel,
    p.ksBaseLog,
    p.ksLevel,
    p.messageModulus,
    p.carryModulus,
  ];
}
