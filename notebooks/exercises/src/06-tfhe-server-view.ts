// %% [markdown]
// # Exercise 6: encrypt, look up on the server, decrypt — what the server sees
//
// In a TFHE deployment the **client** holds the secret key: it encrypts its input and decrypts the
// result. The **server** holds only evaluation keys (a bootstrapping key and a key-switching key, made
// by the client from its secret key) and computes on ciphertexts it cannot read. Here the computation
// is one programmable bootstrapping (PBS): a lookup table applied to an encrypted message.
//
// Messages are 3-bit integers, 0 … 7: the smallest tfhe parameter set (N = 1024) that holds them.
// tfhe (TFHE-rs compiled to WebAssembly) makes the client key and encrypts; privlab's native evaluator
// is the server.

// %%
import * as lab from "privlab/kernel-ext";
import * as tfhe from "node-tfhe";
const { NotImplementedError, checkTfheClient, checkTfheTable, maskPreview, serverApply, tfheExercise } = lab.exercises;

const ex = await tfheExercise(); // client key (tfhe) → evaluation keys → server
const p = ex.messageModulus;
console.log(`messages 0..${p - 1}; the server received: ${Object.keys(ex.evaluationKeys).join(", ")}`);

// %% [markdown]
// ## Task 1: the client's two steps
// `encryptInput` encrypts a message with the client key and returns the bytes sent to the server
// (`tfhe.Shortint.encrypt` takes the message as a BigInt; `tfhe.Shortint.serialize_ciphertext` gives
// the bytes). `decryptOutput` does the reverse on the bytes the server returns.

// %%
function encryptInput(clientKey: tfhe.ShortintClientKey, m: number): Uint8Array {
  // BEGIN SOLUTION
  return tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(clientKey, BigInt(m)));
  // END SOLUTION
}

function decryptOutput(clientKey: tfhe.ShortintClientKey, bytes: Uint8Array): number {
  // BEGIN SOLUTION
  return Number(tfhe.Shortint.decrypt(clientKey, tfhe.Shortint.deserialize_ciphertext(bytes)));
  // END SOLUTION
}

// %%
await lab.check(checkTfheClient(encryptInput, decryptOutput, ex));

// %% [markdown]
// What the server sees: two encryptions of the same message 5. Each ciphertext is an LWE vector
// (a random mask and a body, 1025 words of 64 bits here); fresh randomness makes them unrelated.

// %%
const c1 = encryptInput(ex.clientKey, 5);
const c2 = encryptInput(ex.clientKey, 5);
lab.table([
  { ciphertext: "Enc(5), first", bytes: c1.length, "first mask words": maskPreview(c1, ex.evaluationKeys.params).join(" ") },
  { ciphertext: "Enc(5), second", bytes: c2.length, "first mask words": maskPreview(c2, ex.evaluationKeys.params).join(" ") },
]);

// %% [markdown]
// ## Task 2: the table the server applies
// The server applies a table: entry m is the output for input m. Build the table of a function f over
// the messages 0 … p − 1. An output must itself be a message, so reduce it modulo p.

// %%
function tableOf(f: (m: number) => number, p: number): number[] {
  // BEGIN SOLUTION
  return Array.from({ length: p }, (_, m) => ((f(m) % p) + p) % p);
  // END SOLUTION
}

// %%
const square = (m: number): number => m * m;
await lab.check(checkTfheTable(tableOf, square, ex));

// %% [markdown]
// The whole round trip: the client encrypts 0 … 7, the server squares them (mod 8) without the
// secret key, the client decrypts.

// %%
const inputs = Array.from({ length: p }, (_, m) => encryptInput(ex.clientKey, m));
const outputs = await serverApply(ex, inputs, tableOf(square, p));
lab.table(outputs.map((b, m) => ({ m, "decrypted result": decryptOutput(ex.clientKey, b), "m² mod 8": (m * m) % p })));
