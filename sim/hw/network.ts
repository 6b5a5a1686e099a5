// The network: nodes on machines in racks, and TCP-like connections between them (DESIGN §4).
//
// Delivery time of a message = sender NIC serialisation + propagation (intra- or cross-rack, plus
// seeded jitter, plus any slow-network latency) + receiver NIC serialisation. Each NIC direction
// shares its bandwidth fairly between connections (nic.ts: fq-style round robin in 64 KB TSO
// pieces, new flows first), so a small request never waits for another connection's megabytes.
// What the sender's NIC puts on the wire back to back travels as one segment; the receiving NIC
// takes each piece in once its last byte has arrived, while the sender still sends the rest
// (cut-through), so a long message pays one serialisation and one piece, not two. Jitter (one
// draw per message) never reorders: a segment never arrives before one sent earlier on the same
// path (pair of nodes, one direction), and each path is one in-order flow at both NICs, which is
// TCP's in-order delivery.
//
// Connections follow TCP where it shows to Kafka: net-connection.ts lists the rules and keeps their
// state and the retransmission timer; this file applies them as messages are sent and arrive.
//
// Each message costs one or two events when its NICs hold nothing else (arrival of its first piece
// at the receiving NIC, then delivery once received, in the same event when that is within the
// microsecond and nothing older is still to hand over), plus one arrival per extra segment and a
// NIC timer when other connections' work is queued; partition checks read a flag cached on the
// path. A message's fate (partition, stall, lost power, broken connection) is decided when its
// first segment arrives; if the sender's power went before its last byte left, it is lost when
// its pieces are through. The NICs serve a piece reaching an idle link without queueing it (nic.ts).
// Arrival and delivery stay two events even when the delivery time could be known at send: events
// of one microsecond run in the order they were scheduled, so a delivery scheduled at send rather
// than at arrival would run before the events scheduled in between (in leader-failover about 9% of
// two-event messages share their microsecond with one) and change the run.
// Simplified: no packet-level loss, duplication or corruption, no flow control or congestion
// window (nic.ts); connections as net-connection.ts simplifies them.

import { assert } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler } from '../core/scheduler.ts';
import { Level, type Trace } from '../core/trace.ts';
import type { DisconnectReason, NodeId } from './actor.ts';
import { LinkFaults } from './link-faults.ts';
import { Connection, DATA, FIN, MAX_NODES, NetNode, Packet, Pair, RST, Retransmitter, Segment, applyFaults, attach, direction, heldByReceiver, leftAfterPowerLoss, newPath, type FrameKind, type NetworkHost, type Path } from './net-connection.ts';
import { NicLink, PIECE_BYTES, type NicLinkClient, type NicLinkOptions } from './nic.ts';

export { NetNode, type NetworkHost } from './net-connection.ts';

export interface NetworkOptions {
  /** Names a message for the trace (default: its string `type` field, if any). */
  messageType?: (message: unknown) => string | undefined;
  /** The NICs' fast path for a piece reaching an idle link (default on; nic.ts). Off only to test that it changes nothing. */
  nicFastPath?: boolean;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
}

export class Network {
  readonly faults = new LinkFaults();
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0 };
  private readonly nodes = new Map<NodeId, NetNode>();
  private readonly pairs = new Map<number, Pair>();
  private nextConnectionId = 1;
  private readonly messageType: (message: unknown) => string | undefined;
  private readonly nicOptions: NicLinkOptions;
  private readonly onArrive = (segment: Segment): void => this.arrive(segment);
  private readonly onDeliver = (segment: Segment): void => {
    segment.deliveryId = -1;
    direction(segment.packet.conn, segment.packet.forward).to.deliveriesDue--;
    this.deliver(segment.packet);
  };
  private readonly sending: NicLinkClient<Packet> = {
    served: (packet, fromByte, toByte, startUs, endUs) => this.ship(packet, fromByte, toByte, startUs, endUs),
    cut: (packet, toByte, endUs) => this.shortened(packet, toByte, endUs),
    dropped: (packet, fromByte) => this.droppedInCard(packet, fromByte),
  };
  private readonly receiving: NicLinkClient<Segment> = {
    served: (segment, _fromByte, toByte, _startUs, endUs) => {
      if (toByte === segment.bytes && segment.last) this.received(segment, endUs);
    },
    cut: (segment) => this.unplanDelivery(segment),
    dropped: () => undefined,
  };
  private readonly retransmitter: Retransmitter;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    private readonly rng: Rng,
    options: NetworkOptions = {},
  ) {
    this.messageType = options.messageType ?? defaultMessageType;
    this.nicOptions = { fastPath: options.nicFastPath ?? true };
    this.retransmitter = new Retransmitter(scheduler, trace, this.messageType, {
      resend: (stall) => {
        for (const packet of stall.packets) this.transmit(packet.kind, stall.conn, stall.forward, packet.message, packet.bytes);
      },
      timedOut: (path, conn) => {
        // ETIMEDOUT: the sender's socket fails.
        if (path.from.host.listening && path.from.conns.get(path.to.id) === conn) {
          path.from.conns.delete(path.to.id);
          this.notify(path.from, path.to.id, 'reset');
        }
      },
    });
  }

  addNode(host: NetworkHost): NetNode {
    assert(!this.nodes.has(host.id), () => `network: node ${host.id} added twice`);
    assert(this.nodes.size < MAX_NODES, () => `network: more than ${MAX_NODES} nodes`);
    const egress = new NicLink<Packet>(`NIC of ${host.id} (transmit)`, host.nic, this.scheduler, this.sending, this.nicOptions);
    const ingress = new NicLink<Segment>(`NIC of ${host.id} (receive)`, host.nic, this.scheduler, this.receiving, this.nicOptions);
    const node = new NetNode(this.nodes.size, host, this.rng.fork(`${host.id}/net`), egress, ingress);
    this.nodes.set(host.id, node);
    return node;
  }

  node(id: NodeId): NetNode {
    const node = this.nodes.get(id);
    assert(node !== undefined, () => `network: unknown node ${id}`);
    return node;
  }

  /** Sends `message` of `bytes` from `from` to `to` on their connection, opening one if needed. */
  send(from: NetNode, to: NodeId, message: unknown, bytes: number): void {
    // Hot path: test first, build the message only on failure.
    if (!(Number.isInteger(bytes) && bytes >= 0)) assert(false, `${from.id} sent a message of ${bytes} bytes: sizes are whole bytes`);
    let conn = from.conns.get(to);
    if (conn === undefined) conn = this.open(from, this.peer(from, to));
    this.stats.sent++;
    this.transmit(DATA, conn, conn.pair.ab.from === from, message, bytes);
  }

  /** `from` closes its connection with `peer` (FIN behind the data already sent). */
  close(from: NetNode, peer: NodeId): void {
    const conn = from.conns.get(peer);
    if (conn === undefined) return;
    from.conns.delete(peer);
    this.transmit(FIN, conn, conn.pair.ab.from === from, undefined, 0);
  }

  /**
   * The process on `node` ended. With `how` = 'reset' (crash) its kernel resets every connection,
   * with 'closed' (clean stop) it closes them; with 'silent' (power loss) peers hear nothing.
   */
  processEnded(node: NetNode, how: DisconnectReason | 'silent'): void {
    for (const conn of node.conns.values()) {
      // Its kernel forgets what it was retransmitting (a reset or silence ends the connection).
      const outgoing = conn.pair.ab.from === node ? conn.stallAB : conn.stallBA;
      if (outgoing !== null) this.retransmitter.end(outgoing);
      if (how !== 'silent') this.transmit(how === 'reset' ? RST : FIN, conn, conn.pair.ab.from === node, undefined, 0);
    }
    node.conns.clear();
  }

  /** Whether `from` holds an open connection with `peer` (for tests and diagnostics). */
  isConnected(from: NodeId, peer: NodeId): boolean {
    return this.node(from).conns.has(peer);
  }

  /** Re-reads the faults in force into every path's cached flags; call after any change. */
  refreshFaults(): void {
    for (const pair of this.pairs.values()) {
      applyFaults(pair.ab, this.faults);
      applyFaults(pair.ba, this.faults);
    }
  }

  private peer(from: NetNode, to: NodeId): NetNode {
    const peer = this.nodes.get(to);
    assert(peer !== undefined, () => `${from.id} sent to unknown node ${to}`);
    assert(peer !== from, () => `${from.id} sent a message to itself`);
    return peer;
  }

  private open(from: NetNode, to: NetNode): Connection {
    const pair = this.pairOf(from, to);
    const fromIsA = pair.ab.from === from;
    const latest = pair.latest;
    // Simultaneous open: the peer opened a connection we have not yet seen; share it — unless
    // some of its data was already lost (a broken direction): then its replies could never reach
    // us, so open a fresh one, which the peer accepts in place of the old (a reset of that one).
    if (latest !== null && !latest.brokenAB && !latest.brokenBA && latest.stallAB === null && latest.stallBA === null && !(fromIsA ? latest.attachedA : latest.attachedB) && to.conns.get(from.id) === latest) {
      attach(latest, fromIsA);
      from.conns.set(to.id, latest);
      return latest;
    }
    const conn = new Connection(this.nextConnectionId++, pair);
    attach(conn, fromIsA);
    pair.latest = conn;
    from.conns.set(to.id, conn);
    return conn;
  }

  private pairOf(x: NetNode, y: NetNode): Pair {
    const [a, b] = x.index < y.index ? [x, y] : [y, x];
    const key = a.index * MAX_NODES + b.index;
    let pair = this.pairs.get(key);
    if (pair === undefined) {
      pair = new Pair(newPath(a, b, this.faults), newPath(b, a, this.faults));
      this.pairs.set(key, pair);
    }
    return pair;
  }

  private transmit(kind: FrameKind, conn: Connection, forward: boolean, message: unknown, bytes: number): void {
    const path = direction(conn, forward);
    const nowUs = this.scheduler.now;
    const sender = path.from;
    const packet = new Packet(kind, conn, forward, message, bytes, nowUs, sender.host.powerLosses);
    const stall = forward ? conn.stallAB : conn.stallBA;
    if (stall !== null) {
      // Behind a gap: it waits in the send queue for the retransmission.
      stall.packets.push(packet);
      return;
    }
    if (sender.nicResets !== sender.host.nic.resets) {
      sender.nicResets = sender.host.nic.resets;
      sender.egress.flush(nowUs);
    }
    sender.host.nic.txBytes += bytes;
    sender.egress.enqueue(path.egressFlow, packet, nowUs);
  }

  /** The sender's NIC put bytes [fromByte, toByte) of `packet` on the wire: they travel as one segment. */
  private ship(packet: Packet, fromByte: number, toByte: number, startUs: number, endUs: number): void {
    const path = direction(packet.conn, packet.forward);
    if (packet.jitterUs < 0) packet.jitterUs = path.jitterUs > 0 ? path.from.rng.int(path.jitterUs + 1) : 0;
    const segment = new Segment(packet, fromByte, toByte, startUs, endUs, path.latencyUs + path.addedLatencyUs + packet.jitterUs);
    // Jitter never reorders: no segment's first piece arrives before the previous one's on this path.
    const firstUs = segment.availableUs(Math.min(PIECE_BYTES, toByte - fromByte));
    if (firstUs < path.tailUs) segment.shiftUs += path.tailUs - firstUs;
    path.tailUs = Math.max(firstUs, path.tailUs);
    packet.lastSegment = segment;
    const nowUs = this.scheduler.now;
    this.scheduler.schedule(Math.max(0, Math.ceil(path.tailUs) - nowUs), this.onArrive, segment);
  }

  /** The sender's NIC cut a planned segment short: another flow takes the link. */
  private shortened(packet: Packet, toByte: number, endUs: number): void {
    const segment = packet.lastSegment as Segment;
    const lostBytes = segment.toByte - toByte;
    segment.toByte = toByte;
    segment.endUs = endUs;
    if (segment.arrived && !packet.dropped) {
      const path = direction(packet.conn, packet.forward);
      path.to.ingress.shrank(path.ingressFlow, lostBytes, this.scheduler.now);
    }
  }

  /** A power loss emptied the sender's NIC: what never left is lost; a message half sent ends there. */
  private droppedInCard(packet: Packet, fromByte: number): void {
    const path = direction(packet.conn, packet.forward);
    if (fromByte === 0) {
      packet.dropped = true;
      this.lose(packet, path, 'sender-power-loss');
      return;
    }
    packet.senderLost = true;
    const nowUs = this.scheduler.now;
    this.ship(packet, packet.bytes, packet.bytes, nowUs, nowUs);
  }

  /** A segment's first piece reached the receiving NIC: the message's first decides its fate. */
  private arrive(segment: Segment): void {
    segment.arrived = true;
    const packet = segment.packet;
    if (packet.dropped) return;
    const path = direction(packet.conn, packet.forward);
    const sender = path.from.host;
    const senderDown = leftAfterPowerLoss(packet, segment);
    if (segment.fromByte > 0) {
      if (senderDown) packet.senderLost = true;
      this.receive(path, segment);
      return;
    }
    const receiver = path.to.host;
    const stall = packet.forward ? packet.conn.stallAB : packet.conn.stallBA;
    if (stall !== null) {
      // Sent before the gap was noticed: it queues behind it, in order.
      packet.dropped = true;
      if (stall.live && sender.powerLosses === packet.senderPowerLosses) stall.packets.push(packet);
      return;
    }
    if (path.blocked && packet.kind !== RST && sender.powerLosses === packet.senderPowerLosses) {
      packet.dropped = true;
      this.retransmitter.start(packet);
      return;
    }
    let reason: string | null = null;
    if (senderDown) reason = 'sender-power-loss';
    else if (path.blocked) reason = 'partition';
    else if (!receiver.poweredOn) reason = 'powered-off';
    else if (packet.kind !== RST && (packet.forward ? packet.conn.brokenAB : packet.conn.brokenBA)) reason = 'broken-connection';
    if (reason !== null) {
      packet.dropped = true;
      this.lose(packet, path, reason);
      if (reason === 'broken-connection' && !heldByReceiver(packet, path)) this.transmit(RST, packet.conn, !packet.forward, undefined, 0);
      return;
    }
    this.receive(path, segment);
  }

  private receive(path: Path, segment: Segment): void {
    path.to.host.nic.rxBytes += segment.bytes;
    path.to.ingress.enqueue(path.ingressFlow, segment, this.scheduler.now);
  }

  /** The receiving NIC will have all of a message at `endUs`: deliver it then. */
  private received(segment: Segment, endUs: number): void {
    const path = direction(segment.packet.conn, segment.packet.forward);
    const delayUs = Math.max(0, Math.ceil(endUs) - this.scheduler.now);
    // Received within this microsecond, with nothing before it still to hand over: deliver now,
    // which is the order the event would give, without the event.
    if (delayUs === 0 && path.to.deliveriesDue === 0) {
      this.deliver(segment.packet);
      return;
    }
    path.to.deliveriesDue++;
    segment.deliveryId = this.scheduler.schedule(delayUs, this.onDeliver, segment);
  }

  /** The receiving NIC's plan for a segment was cut: its delivery waits for the rest. */
  private unplanDelivery(segment: Segment): void {
    if (segment.deliveryId < 0) return;
    this.scheduler.cancel(segment.deliveryId);
    segment.deliveryId = -1;
    direction(segment.packet.conn, segment.packet.forward).to.deliveriesDue--;
  }

  /** Fully received: hand it to the receiving node's kernel. */
  private deliver(packet: Packet): void {
    const path = direction(packet.conn, packet.forward);
    const receiver = path.to;
    if (packet.senderLost || leftAfterPowerLoss(packet, packet.lastSegment as Segment)) {
      this.lose(packet, path, 'sender-power-loss');
      return;
    }
    if (!receiver.host.poweredOn) {
      this.lose(packet, path, 'powered-off');
      return;
    }
    if (packet.kind !== DATA) {
      this.endByPeer(receiver, path.from.id, packet.conn, packet.kind === RST ? 'reset' : 'closed');
      return;
    }
    if (!receiver.host.listening || !this.accept(receiver, path.from, packet.conn, packet.forward)) {
      this.lose(packet, path, receiver.host.listening ? 'stale-connection' : 'not-listening');
      this.transmit(RST, packet.conn, !packet.forward, undefined, 0);
      return;
    }
    this.stats.delivered++;
    if (this.trace.fullDetail) {
      this.trace.emit('msg', { from: path.from.id, to: receiver.id, type: this.messageType(packet.message) ?? null, bytes: packet.bytes, sentUs: packet.sentUs }, Level.Full);
    } else {
      this.trace.skip();
    }
    receiver.host.deliver(path.from.id, packet.message);
  }

  /** Whether the receiver takes data on `conn`, attaching to it or replacing an older one. */
  private accept(receiver: NetNode, sender: NetNode, conn: Connection, forward: boolean): boolean {
    const held = receiver.conns.get(sender.id);
    if (held === conn) return true;
    const receiverIsA = !forward;
    if (receiverIsA ? conn.attachedA : conn.attachedB) return false;
    if (held !== undefined && held.id > conn.id) return false;
    attach(conn, receiverIsA);
    receiver.conns.set(sender.id, conn);
    if (held !== undefined) this.notify(receiver, sender.id, 'reset');
    return true;
  }

  private endByPeer(receiver: NetNode, peer: NodeId, conn: Connection, reason: DisconnectReason): void {
    if (!receiver.host.listening || receiver.conns.get(peer) !== conn) return;
    receiver.conns.delete(peer);
    this.notify(receiver, peer, reason);
  }

  private notify(receiver: NetNode, peer: NodeId, reason: DisconnectReason): void {
    if (this.trace.fullDetail) this.trace.emit(reason === 'reset' ? 'conn-reset' : 'conn-closed', { node: receiver.id, peer }, Level.Full);
    else this.trace.skip();
    receiver.host.disconnected(peer, reason);
  }

  private lose(packet: Packet, path: Path, reason: string): void {
    if (packet.forward) packet.conn.brokenAB = true;
    else packet.conn.brokenBA = true;
    if (packet.kind !== DATA) return;
    this.stats.lost++;
    if (this.trace.fullDetail) {
      this.trace.emit('msg-lost', { from: path.from.id, to: path.to.id, type: this.messageType(packet.message) ?? null, bytes: packet.bytes, reason }, Level.Full);
    } else {
      this.trace.skip();
    }
  }
}

function defaultMessageType(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}
