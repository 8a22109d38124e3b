/**
 * Per-run site tokens: the launcher draws one random token per site, gives the server the
 * whole list (a file readable by its owner only) and each site its own token (in its
 * environment, not on its command line where other users could read it).
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../util/files';

export const TOKEN_ENV = 'PRIVLAB_FL_TOKEN';
const SITE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkSiteId(id: string): string {
  if (!SITE_ID.test(id)) throw new RangeError(`site id "${id.slice(0, 80)}" must be 1-64 letters, digits, '_', '.' or '-'`);
  return id;
}

export function newTokens(sites: readonly string[]): Map<string, string> {
  return new Map(sites.map((s) => [checkSiteId(s), randomBytes(24).toString('hex')]));
}

export function writeTokens(file: string, tokens: ReadonlyMap<string, string>): void {
  writeFileAtomic(file, JSON.stringify(Object.fromEntries(tokens), null, 2));
  fs.chmodSync(file, 0o600);
}

/** The sites file: a JSON object { "site-id": "token", … }. */
export function readTokens(file: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RangeError(`sites file ${file}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new RangeError(`sites file ${file}: expected a JSON object of site id → token`);
  const out = new Map<string, string>();
  for (const [site, token] of Object.entries(parsed)) {
    checkSiteId(site);
    if (typeof token !== 'string' || token.length < 16) throw new RangeError(`sites file ${file}: site "${site}" needs a token of at least 16 characters`);
    out.set(site, token);
  }
  if (out.size === 0) throw new RangeError(`sites file ${file} lists no sites`);
  return out;
}
