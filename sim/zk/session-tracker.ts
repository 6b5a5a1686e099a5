// Session liveness on the ZooKeeper leader: SessionTrackerImpl over an ExpiryQueue (ZooKeeper
// 3.5–3.8). Only the leader decides expiry; followers merely report which sessions their clients
// touched (in their replies to the leader's pings), and a leader that loses its quorum drops its
// tracker, so without a quorum no session expires. A new leader starts every session of its
// database with a full timeout from the moment it leads.
//
// The ExpiryQueue groups sessions in buckets one tick wide (expirationInterval = tickTime): a touch
// at time t moves the session to the bucket roundToNextInterval(t + timeout) = (⌊(t + timeout) /
// tick⌋ + 1) × tick, and the expirer wakes at each bucket boundary and expires the whole bucket.
// So a session not heard from since t expires in (t + timeout, t + timeout + tick]. A session is
// marked closing when expired (or closed by its client): later touches are refused, and the
// leader turns its pending requests into SESSIONEXPIRED errors.

import { assert } from '../core/assert.ts';
import type { SessionId } from './types.ts';

/** Sessions one leader may track before the run is treated as runaway. */
export const MAX_SESSIONS = 1_000_000;

interface TrackedSession {
  readonly timeoutMs: number;
  expiryUs: number;
  closing: boolean;
}

export class SessionTracker {
  private readonly sessions = new Map<SessionId, TrackedSession>();
  /** Expiry time → sessions expiring then (ExpiryQueue.expiryMap). */
  private readonly buckets = new Map<number, Set<SessionId>>();
  private nextExpirationUs: number;

  constructor(
    private readonly expirationIntervalUs: number,
    nowUs: number,
  ) {
    assert(expirationIntervalUs > 0, 'the session expiration interval must be positive');
    this.nextExpirationUs = this.roundToNextInterval(nowUs);
  }

  /** When the expirer next wakes (ExpiryQueue.getWaitTime). */
  get nextExpirationTimeUs(): number {
    return this.nextExpirationUs;
  }

  get size(): number {
    return this.sessions.size;
  }

  roundToNextInterval(timeUs: number): number {
    return (Math.floor(timeUs / this.expirationIntervalUs) + 1) * this.expirationIntervalUs;
  }

  /** Starts tracking a session with a full timeout from now (SessionTrackerImpl.addSession). */
  addSession(sessionId: SessionId, timeoutMs: number, nowUs: number): void {
    if (!this.sessions.has(sessionId)) {
      assert(this.sessions.size < MAX_SESSIONS, () => `the ZooKeeper leader tracks more than ${MAX_SESSIONS} sessions`);
      this.sessions.set(sessionId, { timeoutMs, expiryUs: 0, closing: false });
    }
    this.touch(sessionId, nowUs);
  }

  /** Renews a session; false when it is unknown or closing (SessionTrackerImpl.touchSession). */
  touch(sessionId: SessionId, nowUs: number): boolean {
    const session = this.sessions.get(sessionId);
    if (!session || session.closing) return false;
    const expiryUs = this.roundToNextInterval(nowUs + session.timeoutMs * 1000);
    if (expiryUs !== session.expiryUs) {
      this.buckets.get(session.expiryUs)?.delete(sessionId);
      session.expiryUs = expiryUs;
      let bucket = this.buckets.get(expiryUs);
      if (!bucket) {
        bucket = new Set();
        this.buckets.set(expiryUs, bucket);
      }
      bucket.add(sessionId);
    }
    return true;
  }

  /** True when the session is known and not closing (SessionTrackerImpl.checkSession). */
  isActive(sessionId: SessionId): boolean {
    const session = this.sessions.get(sessionId);
    return session !== undefined && !session.closing;
  }

  setClosing(sessionId: SessionId): void {
    const session = this.sessions.get(sessionId);
    if (session) session.closing = true;
  }

  removeSession(sessionId: SessionId): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    this.buckets.get(session.expiryUs)?.delete(sessionId);
    this.sessions.delete(sessionId);
  }

  /**
   * Expires every bucket whose time has come (ExpiryQueue.poll, one bucket per interval, catching
   * up bucket by bucket after a pause) and marks those sessions closing. Returns them in the order
   * they entered their buckets.
   */
  pollExpired(nowUs: number): SessionId[] {
    const expired: SessionId[] = [];
    while (nowUs >= this.nextExpirationUs) {
      const bucket = this.buckets.get(this.nextExpirationUs);
      this.buckets.delete(this.nextExpirationUs);
      this.nextExpirationUs += this.expirationIntervalUs;
      for (const sessionId of bucket ?? []) {
        const session = this.sessions.get(sessionId);
        if (!session || session.closing) continue;
        session.closing = true;
        expired.push(sessionId);
      }
    }
    return expired;
  }
}
