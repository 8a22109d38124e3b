/** A federated job started by hand (server and site processes) so that tests can kill its parts or join it. */
import * as path from 'node:path';
import { Config, TOKEN_ENV, newTokens, prepareShards, siteDir, writeTokens } from '../../src/fl';
import { Running, spawnPrivlab } from './processes';

export const FIT: Config = { localSteps: 8, batchSize: 32, optimizer: 'adam', learningRate: 1e-3 };
export const SHARDS = { sites: 3, trainExamples: 900, seed: 5 };

export interface ManualJobOptions {
  rounds: number;
  roundTimeout: number;
  shards?: typeof SHARDS;
  fit?: Config;
  /** Sites registered with the server (tokens made) but not started: the test plays them. */
  extraSites?: string[];
  /** Extra environment of one site process, by id. */
  siteEnv?: Record<string, Record<string, string>>;
}

export interface ManualJob {
  server: Running;
  sites: Running[];
  url: string;
  tokens: Map<string, string>;
  checkpoint: string;
  /** The server's arguments, to start it again. */
  serverArgs: string[];
}

export async function startJob(dir: string, o: ManualJobOptions): Promise<ManualJob> {
  const shards = o.shards ?? SHARDS;
  const ids = prepareShards(dir, shards);
  const tokens = newTokens([...ids, ...(o.extraSites ?? [])]);
  writeTokens(path.join(dir, 'sites.json'), tokens);
  const checkpoint = path.join(dir, 'server.ckpt');
  const serverArgs = [
    'fl',
    'server',
    '--sites-file',
    path.join(dir, 'sites.json'),
    '--checkpoint',
    checkpoint,
    '--rounds',
    String(o.rounds),
    '--round-timeout',
    String(o.roundTimeout),
    '--config',
    JSON.stringify(o.fit ?? FIT),
    '--seed',
    String(shards.seed),
  ];
  const server = spawnPrivlab(serverArgs);
  const url = (await server.waitFor(/listening on (http:\/\/\S+)/))[1];
  const sites = ids.map((id) =>
    spawnPrivlab(['fl', 'site', '--server', url, '--site', id, '--shard', siteDir(dir, id), '--reconnect', '60'], {
      [TOKEN_ENV]: tokens.get(id),
      ...o.siteEnv?.[id],
    }),
  );
  return { server, sites, url, tokens, checkpoint, serverArgs };
}
