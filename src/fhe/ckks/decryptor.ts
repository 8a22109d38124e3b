/**
 * Decryption with the secret key (the data party only).
 */
import type { CkksContext } from './context';
import type { CipherText, SecretKey } from './seal';
import { decode } from './encoder';

export class CkksDecryptor {
  private readonly decryptor;

  constructor(
    private readonly ctx: CkksContext,
    secretKey: SecretKey,
  ) {
    this.decryptor = ctx.seal.Decryptor(ctx.context, secretKey);
  }

  /** The first `length` slots of the decrypted vector (all slots by default). */
  decrypt(ct: CipherText, length = this.ctx.slotCount): Float64Array {
    this.ctx.check(ct);
    const plain = this.decryptor.decrypt(ct) as import('./seal').PlainText;
    try {
      return decode(this.ctx, plain, length);
    } finally {
      plain.delete();
    }
  }

  delete(): void {
    this.decryptor.delete();
  }
}
