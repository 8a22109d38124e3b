/**
 * Integers ↔ ciphertext messages at the circuit's edges. tfhe encrypts and decrypts
 * messages modulo the message modulus only, so a feature with more levels travels as
 * several digits: level − qmin in base `message`, least significant first. Decoding
 * reduces each digit modulo `message` exactly as tfhe's decrypt does (a negacyclic wrap
 * writes −d, which tfhe reads as message − d), so simulation and execution decode alike.
 */
import { DigitCodec } from '../compile/circuit';
import { dequantize, quantize } from '../../../quant/quantizer';

export function encodeDigits(levels: ArrayLike<number>, codec: DigitCodec, message: number): Int32Array {
  const { digits, quant } = codec;
  const out = new Int32Array(levels.length * digits);
  for (let i = 0; i < levels.length; i++) {
    const v = levels[i];
    if (!Number.isInteger(v) || v < quant.qmin || v > quant.qmax) throw new RangeError(`input level ${v} at ${i} is outside [${quant.qmin}, ${quant.qmax}]`);
    let r = v - quant.qmin;
    for (let k = 0; k < digits; k++) {
      out[i * digits + k] = r % message;
      r = Math.floor(r / message);
    }
  }
  return out;
}

export function decodeDigits(digitValues: ArrayLike<number>, codec: DigitCodec, message: number): Int32Array {
  const { digits, quant } = codec;
  if (digitValues.length % digits) throw new RangeError(`${digitValues.length} digits are not a whole number of ${digits}-digit values`);
  const out = new Int32Array(digitValues.length / digits);
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (let k = digits - 1; k >= 0; k--) v = v * message + (((digitValues[i * digits + k] % message) + message) % message);
    out[i] = quant.qmin + v;
  }
  return out;
}

export function quantizeFeatures(x: ArrayLike<number>, codec: DigitCodec): Int32Array {
  return Int32Array.from({ length: x.length }, (_, i) => quantize(x[i], codec.quant));
}

export function dequantizeFeatures(levels: ArrayLike<number>, codec: DigitCodec): Float32Array {
  return Float32Array.from({ length: levels.length }, (_, i) => dequantize(levels[i], codec.quant));
}
