// The configuration of a ZooKeeper ensemble (zoo.cfg) and the rules ZooKeeper derives from it.
//
// Follows ZooKeeper 3.5–3.8: `tickTime` is the basic time unit; followers must connect and sync
// within `initLimit` ticks and stay in contact with the leader within `syncLimit` ticks
// (QuorumPeerConfig). Session timeouts requested by clients are clamped to
// [minSessionTimeout, maxSessionTimeout], which default to 2 and 20 ticks
// (ZooKeeperServer.processConnectRequest). Defaults are those of conf/zoo_sample.cfg, which nearly
// every ensemble starts from: tickTime=2000, initLimit=10, syncLimit=5. Snapshots are taken every
// `snapCount` transactions (ZooKeeper adds a random jitter; we do not). The dataDir lives on the
// server machine's first disk, whose model gives fsyncs their latency.

import { assert } from '../core/assert.ts';
import type { NodeId } from '../hw/actor.ts';

/** One voting member of the ensemble: its `myid` and the network endpoint of its process. */
export interface ZkServerAddress {
  readonly sid: number;
  readonly node: NodeId;
}

export interface ZkEnsembleConfig {
  /** Every voting member, in `server.N` order. */
  readonly servers: readonly ZkServerAddress[];
  readonly tickTimeMs: number;
  readonly initLimit: number;
  readonly syncLimit: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** Transactions between snapshots; a follower further behind than the retained log gets a SNAP. */
  readonly snapCount: number;
}

export interface ZkEnsembleOptions {
  tickTimeMs?: number;
  initLimit?: number;
  syncLimit?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  snapCount?: number;
}

export const DEFAULT_TICK_TIME_MS = 2000;
export const DEFAULT_INIT_LIMIT = 10;
export const DEFAULT_SYNC_LIMIT = 5;
export const DEFAULT_SNAP_COUNT = 100_000;

/** Node ids `zk-1` … `zk-N` for an ensemble of N servers with myid 1 … N. */
export function zkServerAddresses(count: number): ZkServerAddress[] {
  assert(Number.isInteger(count) && count >= 1, () => `a ZooKeeper ensemble needs at least one server, got ${count}`);
  return Array.from({ length: count }, (_, index) => ({ sid: index + 1, node: `zk-${index + 1}` }));
}

export function zkEnsembleConfig(servers: readonly ZkServerAddress[], options: ZkEnsembleOptions = {}): ZkEnsembleConfig {
  const tickTimeMs = options.tickTimeMs ?? DEFAULT_TICK_TIME_MS;
  assert(Number.isInteger(tickTimeMs) && tickTimeMs >= 2, () => `tickTime must be an integer >= 2 ms, got ${tickTimeMs}`);
  const sids = new Set(servers.map((server) => server.sid));
  assert(sids.size === servers.length && servers.length > 0, 'ZooKeeper server ids (myid) must be unique and non-empty');
  const config: ZkEnsembleConfig = {
    servers,
    tickTimeMs,
    initLimit: options.initLimit ?? DEFAULT_INIT_LIMIT,
    syncLimit: options.syncLimit ?? DEFAULT_SYNC_LIMIT,
    // ZooKeeperServer: "minSessionTimeout = -1 ⇒ 2 * tickTime; maxSessionTimeout = -1 ⇒ 20 * tickTime".
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 2 * tickTimeMs,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 20 * tickTimeMs,
    snapCount: options.snapCount ?? DEFAULT_SNAP_COUNT,
  };
  assert(config.initLimit >= 1 && config.syncLimit >= 1, 'initLimit and syncLimit must be at least one tick');
  assert(config.minSessionTimeoutMs <= config.maxSessionTimeoutMs, 'minSessionTimeout must not exceed maxSessionTimeout');
  return config;
}

/** The session timeout a server grants for a requested one (ZooKeeperServer.processConnectRequest). */
export function negotiateSessionTimeoutMs(config: ZkEnsembleConfig, requestedMs: number): number {
  return Math.min(config.maxSessionTimeoutMs, Math.max(config.minSessionTimeoutMs, requestedMs));
}

/** A strict majority of the voting members (QuorumMaj.containsQuorum). */
export function quorumSize(config: ZkEnsembleConfig): number {
  return Math.floor(config.servers.length / 2) + 1;
}

export function tickUs(config: ZkEnsembleConfig): number {
  return config.tickTimeMs * 1000;
}
