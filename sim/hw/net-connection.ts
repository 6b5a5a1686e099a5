// What the network is made of (network.ts moves messages through it): nodes, paths (one direction
// between two nodes: its latency, its cached fault flags, its arrival tail and its flows at both
// NICs), TCP connections with the state each direction keeps, and the frames on them: a Packet per
// message (or FIN / RST) at the sender's NIC, and a Segment per run of its bytes that left the
// sender's NIC back to back, at the receiver's.
//
// Connections follow TCP where it shows to Kafka (actor.ts states the contract):
// - A send opens a connection if the sender holds none; the receiver attaches to it on the first
//   message (two nodes opening at once share one, as a TCP simultaneous open does).
// - A message a partition drops is retransmitted, as TCP does: its direction of the connection
//   stalls (what follows queues behind the gap, in order), and the sender retries after the
//   retransmission timeout — 200 ms (Linux's TCP_RTO_MIN), doubling up to 120 s (TCP_RTO_MAX) —
//   until the path is open again, when the queue goes out in order; after tcp_retries2 = 15
//   retries (about 15 minutes) the connection times out and the sender hears a reset. So a short
//   partition costs its length plus at most one RTO, not a request timeout; a long one is cut
//   short by the clients' own request timeouts, which close the connection. The peer hears nothing.
// - A message dropped by a powered-off receiver, or lost with its sender's power, breaks its
//   direction: nothing after it is delivered until a side closes the connection; data arriving
//   on it at a receiver that no longer holds it (the machine rebooted) is answered by a reset.
// - Data reaching a machine whose process is not running (crashed, stopped, restarting), or on a
//   connection the receiver no longer holds (it restarted since), is answered by a reset (RST),
//   so the sender learns at once — one round trip.
// - A crashed process's kernel resets its connections: each peer hears `reset` one propagation
//   later. A clean stop or `closeConnection` sends a FIN behind the data already sent: the peer
//   hears `closed` after that data. Power loss sends nothing.
// - A receiver holding an older connection with the sender than the one arriving learns the old
//   one is dead (`reset`) before the new data is handed over; TCP would tell it on its next send.
//
// Simplified: one connection per pair of nodes (Kafka opens one per client and per purpose), so
// one flow per pair and direction at each NIC; a stalled direction keeps its messages at the
// sender and retransmits them only when the path is open (no congestion window, no duplicate
// deliveries to suppress).

import type { Rng } from '../core/rng.ts';
import type { Scheduler } from '../core/scheduler.ts';
import { Level, type Trace } from '../core/trace.ts';
import type { DisconnectReason, NodeId } from './actor.ts';
import type { LinkFaults } from './link-faults.ts';
import { NicFlow, type Nic, type NicLink, type NicWork } from './nic.ts';

/** What the network needs from the machine a node runs on. */
export interface NetworkHost {
  readonly id: NodeId;
  readonly rack: string;
  readonly nic: Nic;
  readonly intraRackLatencyUs: number;
  readonly crossRackLatencyUs: number;
  readonly latencyJitterUs: number;
  /** The machine has power (its kernel answers). */
  readonly poweredOn: boolean;
  /** A process is running, up or paused (its sockets exist). */
  readonly listening: boolean;
  /** Power losses so far: what was still in the NIC when one began is lost. */
  readonly powerLosses: number;
  /** When power loss number `index` (from 0) began. */
  powerLossAtUs(index: number): number;
  /** Hands a message to the process (which may defer it while paused). */
  deliver(from: NodeId, message: unknown): void;
  /** Tells the process its connection with `peer` ended. */
  disconnected(peer: NodeId, reason: DisconnectReason): void;
}

/** Nodes one network may hold. */
export const MAX_NODES = 4096;

export const DATA = 0;
export const FIN = 1;
export const RST = 2;
export type FrameKind = typeof DATA | typeof FIN | typeof RST;

/** A node as the network knows it: its host, its jitter stream, the connection it holds with each peer. */
export class NetNode {
  readonly conns = new Map<NodeId, Connection>();
  /** Messages received by this node's NIC whose delivery event is still to run. */
  deliveriesDue = 0;
  /** The NIC's power losses this node's queues have caught up with. */
  nicResets = 0;
  constructor(
    readonly index: number,
    readonly host: NetworkHost,
    /** Draws the jitter of what this node sends ("<node>/net"), so other nodes' traffic never shifts it. */
    readonly rng: Rng,
    readonly egress: NicLink<Packet>,
    readonly ingress: NicLink<Segment>,
  ) {}
  get id(): NodeId {
    return this.host.id;
  }
}

/** One direction between two nodes: latency, jitter bound, fault flags, the arrival tail, its flows at both NICs. */
export class Path {
  blocked = false;
  addedLatencyUs = 0;
  /** Arrival time (fractional µs) of the first piece of the last segment sent on this path. */
  tailUs = 0;
  /** This direction's queue at the sender's NIC and at the receiver's (one TCP flow). */
  readonly egressFlow = new NicFlow<Packet>();
  readonly ingressFlow = new NicFlow<Segment>();
  constructor(
    readonly from: NetNode,
    readonly to: NetNode,
    readonly latencyUs: number,
    readonly jitterUs: number,
  ) {}
}

export class Pair {
  latest: Connection | null = null;
  constructor(
    readonly ab: Path,
    readonly ba: Path,
  ) {}
}

/** TCP_RTO_MIN: the first retransmission timeout of an established connection (Linux). */
export const TCP_RTO_MIN_US = 200_000;
/** TCP_RTO_MAX: the retransmission timeout stops doubling here (Linux). */
export const TCP_RTO_MAX_US = 120_000_000;
/** net.ipv4.tcp_retries2: retransmissions before an established connection times out (Linux default). */
export const TCP_RETRIES2 = 15;

/** One direction of a connection waiting to retransmit what a partition dropped. */
export class Stall {
  readonly packets: Packet[] = [];
  rtoUs = TCP_RTO_MIN_US;
  retries = 0;
  /** False once the sending side is gone (crash, power loss): its queue is dropped. */
  live = true;
  constructor(
    readonly conn: Connection,
    readonly forward: boolean,
  ) {}
}

export class Connection {
  attachedA = false;
  attachedB = false;
  brokenAB = false;
  brokenBA = false;
  stallAB: Stall | null = null;
  stallBA: Stall | null = null;
  constructor(
    readonly id: number,
    readonly pair: Pair,
  ) {}
}

/** A message (or FIN / RST) on its way; at the sender's NIC it is that queue's work. */
export class Packet implements NicWork {
  /** Jitter of its trip, drawn when its first byte leaves; -1 before. */
  jitterUs = -1;
  /** Its first segment was turned away at the receiver (lost, stalled): ignore the rest. */
  dropped = false;
  /** Its sender lost power before all of it left: lost once its pieces are through. */
  senderLost = false;
  /** The segment carrying its latest bytes. */
  lastSegment: Segment | null = null;
  constructor(
    readonly kind: FrameKind,
    readonly conn: Connection,
    /** True when travelling from the pair's first node (lower index) to its second. */
    readonly forward: boolean,
    readonly message: unknown,
    readonly bytes: number,
    readonly sentUs: number,
    readonly senderPowerLosses: number,
  ) {}

  availableUs(): number {
    return this.sentUs;
  }
}

/**
 * Bytes [fromByte, toByte) of a message that left the sender's NIC back to back, from startUs to
 * endUs; each byte reaches the receiver shiftUs after it left. At the receiver's NIC it is that
 * queue's work. The sender may cut it short (toByte, endUs shrink) when another flow claims its NIC.
 */
export class Segment implements NicWork {
  arrived = false;
  /** Delivery event of its message, when its planned reception ends it. */
  deliveryId = -1;
  constructor(
    readonly packet: Packet,
    readonly fromByte: number,
    public toByte: number,
    readonly startUs: number,
    public endUs: number,
    public shiftUs: number,
  ) {}

  get bytes(): number {
    return this.toByte - this.fromByte;
  }

  availableUs(byteEnd: number): number {
    const bytes = this.toByte - this.fromByte;
    if (byteEnd >= bytes) return this.endUs + this.shiftUs;
    return this.startUs + ((this.endUs - this.startUs) * byteEnd) / bytes + this.shiftUs;
  }

  /** It holds the message's last byte. */
  get last(): boolean {
    return this.toByte === this.packet.bytes;
  }
}

/** The path a message on `conn` takes: from the pair's first node to its second when `forward`. */
export function direction(conn: Connection, forward: boolean): Path {
  return forward ? conn.pair.ab : conn.pair.ba;
}

/** The path from `from` to `to`: the slower host's latency (within or across racks) and jitter bound. */
export function newPath(from: NetNode, to: NetNode, faults: LinkFaults): Path {
  const sameRack = from.host.rack === to.host.rack;
  const latencyUs = sameRack
    ? Math.max(from.host.intraRackLatencyUs, to.host.intraRackLatencyUs)
    : Math.max(from.host.crossRackLatencyUs, to.host.crossRackLatencyUs);
  const jitterUs = Math.max(from.host.latencyJitterUs, to.host.latencyJitterUs);
  const path = new Path(from, to, latencyUs, jitterUs);
  applyFaults(path, faults);
  return path;
}

/** Caches the faults in force on `path` (read per message, so they are flags, not look-ups). */
export function applyFaults(path: Path, faults: LinkFaults): void {
  path.blocked = faults.blocked(path.from.id, path.to.id);
  path.addedLatencyUs = faults.addedLatencyUs(path.from.id, path.to.id);
}

/** One end of `conn` (its pair's first node when `sideA`) holds it. */
export function attach(conn: Connection, sideA: boolean): void {
  if (sideA) conn.attachedA = true;
  else conn.attachedB = true;
}

/** The sender lost power before the last byte of `segment` left: the card lost the rest. */
export function leftAfterPowerLoss(packet: Packet, segment: Segment): boolean {
  const sender = direction(packet.conn, packet.forward).from.host;
  return sender.powerLosses !== packet.senderPowerLosses && segment.endUs > sender.powerLossAtUs(packet.senderPowerLosses);
}

/**
 * Whether the receiving process still holds `packet`'s connection (one it never accepted counts
 * as held: its handshake is simply retried). When it does not — it crashed or restarted since
 * accepting it — TCP's retransmission of the lost segment reaches a kernel with no
 * such socket, which answers with a reset: the sender learns the connection is dead instead of
 * waiting for its own timeout.
 */
export function heldByReceiver(packet: Packet, path: Path): boolean {
  const receiver = path.to;
  const attached = packet.forward ? packet.conn.attachedB : packet.conn.attachedA;
  if (!attached) return true;
  return receiver.host.listening && receiver.conns.get(path.from.id) === packet.conn;
}

/** What the network does when a stalled direction may go again, or gives up. */
export interface RetransmitClient {
  /** The path is open again: send the stalled frames, in order. */
  resend(stall: Stall): void;
  /** tcp_retries2 retries failed: the connection timed out at the sender. */
  timedOut(path: Path, conn: Connection): void;
}

/** TCP's retransmission timer for the directions a partition stalled. */
export class Retransmitter {
  private readonly onTimer = (stall: Stall): void => this.retransmit(stall);

  constructor(
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    private readonly messageType: (message: unknown) => string | undefined,
    private readonly client: RetransmitClient,
  ) {}

  /** A partition dropped `packet`: its direction stalls and retransmits after the RTO. */
  start(packet: Packet): void {
    const stall = new Stall(packet.conn, packet.forward);
    stall.packets.push(packet);
    if (packet.forward) packet.conn.stallAB = stall;
    else packet.conn.stallBA = stall;
    if (this.trace.fullDetail) {
      const path = direction(packet.conn, packet.forward);
      this.trace.emit('tcp-stall', { from: path.from.id, to: path.to.id, type: this.messageType(packet.message) ?? null }, Level.Full);
    } else {
      this.trace.skip();
    }
    this.scheduler.schedule(stall.rtoUs, this.onTimer, stall);
  }

  /** The stall is over (sent again, timed out, or its sender's kernel forgot it). */
  end(stall: Stall): void {
    stall.live = false;
    if (stall.forward) {
      if (stall.conn.stallAB === stall) stall.conn.stallAB = null;
    } else if (stall.conn.stallBA === stall) {
      stall.conn.stallBA = null;
    }
  }

  /** The retransmission timer: the path is open again (send the queue in order), or back off. */
  private retransmit(stall: Stall): void {
    if (!stall.live) return;
    const { conn, forward } = stall;
    const path = direction(conn, forward);
    if (path.blocked) {
      stall.retries++;
      if (stall.retries > TCP_RETRIES2) {
        this.end(stall);
        if (forward) conn.brokenAB = true;
        else conn.brokenBA = true;
        this.client.timedOut(path, conn);
        return;
      }
      stall.rtoUs = Math.min(2 * stall.rtoUs, TCP_RTO_MAX_US);
      this.scheduler.schedule(stall.rtoUs, this.onTimer, stall);
      return;
    }
    this.end(stall);
    this.client.resend(stall);
  }
}
