// Installs a ZooKeeper ensemble in a World: one machine per server (node `zk-<myid>`, in its
// rack), each running a ZkServer, sharing one configuration (zoo.cfg) and one commit ledger (the
// checker and trace source of the ensemble). The scenario builder calls this, then starts the
// machines with the rest of the cluster; brokers get `connectString` for their ZkClient.

import type { NodeId } from '../hw/actor.ts';
import type { HardwareProfile } from '../hw/profiles.ts';
import type { World } from '../hw/world.ts';
import { ZkCommitLedger } from './commit-ledger.ts';
import { zkEnsembleConfig, type ZkEnsembleConfig, type ZkEnsembleOptions } from './config.ts';
import { ZkServer } from './server.ts';

/** The rack of servers placed without one (a world needs a rack name for every machine). */
export const DEFAULT_ZK_RACK = 'default';

export interface ZkEnsembleSetup {
  /** myid and rack of each server, as the scenario resolves them. */
  readonly servers: readonly { readonly id: number; readonly rack: string | null }[];
  readonly options?: ZkEnsembleOptions;
  /** Hardware of the server machines (default: the world's default profile). */
  readonly hardware?: HardwareProfile | string;
}

export interface InstalledZkEnsemble {
  readonly config: ZkEnsembleConfig;
  readonly ledger: ZkCommitLedger;
  readonly servers: readonly ZkServer[];
  /** Every server's node id, in myid order: what a client's `servers` option takes. */
  readonly connectString: readonly NodeId[];
}

export function zkNodeId(sid: number): NodeId {
  return `zk-${sid}`;
}

/** Adds the ensemble's machines to `world` (not started). */
export function installZkEnsemble(world: World, setup: ZkEnsembleSetup): InstalledZkEnsemble {
  const addresses = setup.servers.map((server) => ({ sid: server.id, node: zkNodeId(server.id) }));
  const config = zkEnsembleConfig(addresses, setup.options);
  const ledger = new ZkCommitLedger();
  const servers = setup.servers.map((placement) => {
    const server = new ZkServer(placement.id, config, ledger);
    world.addMachine({
      id: zkNodeId(placement.id),
      rack: placement.rack ?? DEFAULT_ZK_RACK,
      actor: server,
      ...(setup.hardware === undefined ? {} : { hardware: setup.hardware }),
    });
    return server;
  });
  return { config, ledger, servers, connectString: addresses.map((address) => address.node) };
}
