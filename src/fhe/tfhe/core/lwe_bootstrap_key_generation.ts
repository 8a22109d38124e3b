/**
 * The bootstrapping key: for each bit s_i of the small LWE key, a GGSW encryption of
 * s_i under the GLWE key with the GLWE noise distribution (TFHE-rs draws BSK noise
 * from the GLWE distribution too). Stored in the standard (integer) domain, n GGSWs in
 * a row; the native side moves it to the Fourier domain when it loads the key.
 */
import { encryptConstantGgswCiphertexts, ggswSize } from './ggsw_encryption';
import { CoreParameters } from './parameters';

export function bootstrapKeySize(p: CoreParameters): number {
  return p.lweDimension * ggswSize({ glweDimension: p.glweDimension, polynomialSize: p.polynomialSize, baseLog: p.pbsBaseLog, level: p.pbsLevel });
}

export async function generateLweBootstrapKey(p: CoreParameters, lweKey: BigUint64Array, glweKey: BigUint64Array, threads?: number): Promise<BigUint64Array> {
  if (lweKey.length !== p.lweDimension) throw new RangeError(`LWE key has ${lweKey.length} bits, expected ${p.lweDimension}`);
  return encryptConstantGgswCiphertexts(
    glweKey,
    lweKey,
    { glweDimension: p.glweDimension, polynomialSize: p.polynomialSize, baseLog: p.pbsBaseLog, level: p.pbsLevel },
    p.glweNoise,
    threads,
  );
}
