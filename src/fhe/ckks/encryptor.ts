/**
 * Encryption with the public key (what the data party does; anyone holding the public key can).
 */
import type { CkksContext } from './context';
import type { CipherText, PublicKey } from './seal';
import { encode, type EncodeOptions } from './encoder';

export class CkksEncryptor {
  private readonly encryptor;

  constructor(
    private readonly ctx: CkksContext,
    publicKey: PublicKey,
  ) {
    this.encryptor = ctx.seal.Encryptor(ctx.context, publicKey);
  }

  /** Encrypts `values` (zero-padded to all slots) at the given level and scale; the caller owns the result. */
  encrypt(values: ArrayLike<number>, options: EncodeOptions = {}): CipherText {
    const plain = encode(this.ctx, values, options);
    try {
      return this.encryptor.encrypt(plain) as CipherText;
    } finally {
      plain.delete();
    }
  }

  delete(): void {
    this.encryptor.delete();
  }
}
