import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scheduler } from '../../sim/core/scheduler.ts';
import { FastLeaderElection, betterVote, type Notification, type PeerState, type Vote } from '../../sim/zk/election.ts';

interface Peer {
  readonly sid: number;
  readonly election: FastLeaderElection;
  state: PeerState;
  vote: Vote | null;
}

/** Voters wired by a lossless bus with a 100 µs hop; `down` servers hear and say nothing. */
function electionBus(sids: readonly number[], down: ReadonlySet<number> = new Set()) {
  const scheduler = new Scheduler();
  const peers = new Map<number, Peer>();
  const sendTimesUs: number[] = [];
  const deliver = (to: number, notification: Notification): void => {
    const peer = peers.get(to);
    if (!peer || down.has(to)) return;
    if (peer.state === 'LOOKING') peer.election.receive(notification);
    else if (notification.state === 'LOOKING' && peer.vote) {
      const answer: Notification = { ...peer.vote, sid: peer.sid, state: peer.state };
      scheduler.schedule(100, () => deliver(notification.sid, answer));
    }
  };
  for (const sid of sids) {
    const peer: Peer = { sid, state: 'LOOKING', vote: null, election: null as unknown as FastLeaderElection };
    (peer as { election: FastLeaderElection }).election = new FastLeaderElection({
      sid,
      voters: sids,
      isQuorum: (set) => set.size * 2 > sids.length,
      sendNotification: (toSid, notification) => {
        if (sid === 1 && toSid === 2) sendTimesUs.push(scheduler.now);
        scheduler.schedule(100, () => deliver(toSid, notification));
      },
      reconnect: () => undefined,
      setTimer: (delayUs, fn) => scheduler.schedule(delayUs, fn),
      cancelTimer: (id) => scheduler.cancel(id),
      decided: (vote) => {
        peer.vote = vote;
        peer.state = vote.leader === sid ? 'LEADING' : 'FOLLOWING';
      },
    });
    peers.set(sid, peer);
  }
  return { scheduler, peers, sendTimesUs };
}

describe('FastLeaderElection', () => {
  it('orders votes by peer epoch, then zxid, then server id', () => {
    expect(betterVote({ leader: 1, zxid: 5, peerEpoch: 2 }, { leader: 3, zxid: 9, peerEpoch: 1 })).toBe(true);
    expect(betterVote({ leader: 1, zxid: 9, peerEpoch: 1 }, { leader: 3, zxid: 5, peerEpoch: 1 })).toBe(true);
    expect(betterVote({ leader: 3, zxid: 5, peerEpoch: 1 }, { leader: 1, zxid: 5, peerEpoch: 1 })).toBe(true);
    expect(betterVote({ leader: 1, zxid: 5, peerEpoch: 1 }, { leader: 1, zxid: 5, peerEpoch: 1 })).toBe(false);
  });

  it('every server agrees on the one with the most recent history, ties to the highest id', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ zxid: fc.integer({ min: 0, max: 4 }), epoch: fc.integer({ min: 0, max: 2 }) }), { minLength: 3, maxLength: 5 }),
        (histories) => {
          const sids = histories.map((_, index) => index + 1);
          const { scheduler, peers } = electionBus(sids);
          sids.forEach((sid, index) => {
            const history = histories[index] as { zxid: number; epoch: number };
            scheduler.schedule(index * 37, () => peers.get(sid)?.election.start(history.zxid, history.epoch));
          });
          scheduler.runUntil(5_000_000);
          const best = sids.reduce((a, b) => {
            const va = { leader: a, zxid: histories[a - 1]!.zxid, peerEpoch: histories[a - 1]!.epoch };
            const vb = { leader: b, zxid: histories[b - 1]!.zxid, peerEpoch: histories[b - 1]!.epoch };
            return betterVote(vb, va) ? b : a;
          });
          return sids.every((sid) => peers.get(sid)?.vote?.leader === best);
        },
      ),
    );
  });

  it('no leader is elected without a quorum of voters', () => {
    const { scheduler, peers } = electionBus([1, 2, 3], new Set([2, 3]));
    peers.get(1)?.election.start(0, 0);
    scheduler.runUntil(300_000_000);
    expect(peers.get(1)?.state).toBe('LOOKING');
  });

  it('backs off its resends from 200 ms to at most 60 s while nobody answers', () => {
    const { scheduler, peers, sendTimesUs } = electionBus([1, 2, 3], new Set([2, 3]));
    peers.get(1)?.election.start(0, 0);
    scheduler.runUntil(600_000_000);
    const gapsMs = sendTimesUs.slice(1).map((timeUs, index) => (timeUs - (sendTimesUs[index] as number)) / 1000);
    expect(gapsMs.slice(0, 10)).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 60_000]);
    expect(Math.max(...gapsMs)).toBe(60_000);
  });

  it('a server that starts late follows the leader the others already elected', () => {
    const { scheduler, peers } = electionBus([1, 2, 3]);
    peers.get(1)?.election.start(7, 1);
    peers.get(2)?.election.start(3, 1);
    scheduler.runUntil(2_000_000);
    expect(peers.get(1)?.state).toBe('LEADING');
    expect(peers.get(2)?.state).toBe('FOLLOWING');
    // Server 3 has a better history but finds an established leader: it follows it.
    peers.get(3)?.election.start(9, 1);
    scheduler.runUntil(4_000_000);
    expect(peers.get(3)?.state).toBe('FOLLOWING');
    expect(peers.get(3)?.vote?.leader).toBe(1);
  });
});
