/**
 * The transport is the replaceable part of federated learning: it moves messages between
 * the server loop and the sites and authenticates who sent what. On the server side it
 * hands over the bytes as received: decoding and judging them is the server loop's job,
 * in one place for every transport.
 *
 * The shape follows Flower's Fleet API: sites connect to the server, pull their next task,
 * push their result. The HTTP implementation here (http-server.ts, http-site.ts) is one;
 * an adapter that lets a site join a Flower SuperLink over gRPC would be another.
 */

import type { TaskMessage, UpdateMessage } from '../messages';

/** What the server answers a site's result with. */
export type Verdict =
  | { accepted: true }
  /** 'rejected': the result is bad (malformed, wrong shape, non-finite…); 'stale': not for the current task. */
  | { accepted: false; kind: 'rejected' | 'stale'; reason: string };

/** A result that the transport could not even hand over (e.g. larger than the limit). */
export interface TransportFault {
  fault: string;
}

/** Identifies a published task: a server run (job) and its round. */
export interface TaskRef {
  job: string;
  round: number;
}

export type ResultHandler = (site: string, payload: Uint8Array | TransportFault) => Verdict;

export interface ServerTransport {
  /** Where sites reach the server (e.g. http://127.0.0.1:PORT). */
  readonly address: string;
  /** Sites that may take part, by id. */
  readonly sites: readonly string[];
  /** Sites that have reached this server (since it started). */
  readonly connected: ReadonlySet<string>;
  /** Make `task` the current task; waiting sites get it at once. */
  publish(ref: TaskRef, task: Uint8Array): void;
  /**
   * The job is over: sites asking for a task are told so. Resolves once each of `waitFor`
   * (the sites still answering) was told, or after a grace period.
   */
  finish(waitFor: readonly string[]): Promise<void>;
  /** Called for every result a site pushes; its verdict goes back to the site. */
  onResult(handler: ResultHandler): void;
  close(): Promise<void>;
}

/**
 * The site's side speaks in typed messages, not bytes: a site joining another engine
 * (Flower's Fleet API) needs only an adapter between that engine's messages and these.
 */
export interface SiteTransport {
  /**
   * The current task once it differs from `seen` (a new round, or the same round of a new
   * server run after a restart); waits for it. null when the job is over.
   */
  nextTask(seen: TaskRef | null): Promise<TaskMessage | null>;
  /** Push the result of the task (result.job, result.round). */
  pushResult(result: UpdateMessage): Promise<Verdict>;
}
