/**
 * A self-signed TLS certificate for this machine (127.0.0.1 and localhost), made by the
 * openssl command as a user would make one: for tests and benchmarks of the HTTPS servers.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** Writes cert.pem and key.pem (RSA 2048, valid one day) into `dir`; returns their paths. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'];
  try {
    execFileSync('openssl', [...args, '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  } catch (e) {
    throw new Error(`cannot make a self-signed certificate with openssl (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): is openssl installed?`);
  }
  return { cert, key };
}
