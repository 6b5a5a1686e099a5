import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SessionTracker } from '../../sim/zk/session-tracker.ts';

const TICK_US = 2_000_000;

describe('leader session tracker (ExpiryQueue buckets)', () => {
  it('rounds expiry up to the next tick boundary after touch + timeout', () => {
    const tracker = new SessionTracker(TICK_US, 0);
    expect(tracker.roundToNextInterval(0)).toBe(TICK_US);
    expect(tracker.roundToNextInterval(TICK_US)).toBe(2 * TICK_US);
    expect(tracker.roundToNextInterval(TICK_US + 1)).toBe(2 * TICK_US);
  });

  it('expires a silent session in (timeout, timeout + tick] after its last touch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 4000, max: 40_000 }), (touchUs, timeoutMs) => {
        const tracker = new SessionTracker(TICK_US, 0);
        tracker.addSession('s', timeoutMs, touchUs);
        let expiredAtUs = -1;
        for (let nowUs = tracker.nextExpirationTimeUs; expiredAtUs < 0; nowUs = tracker.nextExpirationTimeUs) {
          if (tracker.pollExpired(nowUs).includes('s')) expiredAtUs = nowUs;
        }
        const silentUs = expiredAtUs - touchUs;
        return silentUs > timeoutMs * 1000 && silentUs <= timeoutMs * 1000 + TICK_US;
      }),
    );
  });

  it('a touch moves the session to a later bucket', () => {
    const tracker = new SessionTracker(TICK_US, 0);
    tracker.addSession('s', 6000, 0);
    tracker.touch('s', 5_000_000);
    expect(tracker.pollExpired(8_000_000)).toEqual([]);
    expect(tracker.pollExpired(12_000_000)).toEqual(['s']);
  });

  it('a closing session can no longer be touched or revalidated', () => {
    const tracker = new SessionTracker(TICK_US, 0);
    tracker.addSession('s', 6000, 0);
    tracker.setClosing('s');
    expect(tracker.touch('s', 1)).toBe(false);
    expect(tracker.isActive('s')).toBe(false);
    expect(tracker.touch('unknown', 1)).toBe(false);
  });

  it('catches up bucket by bucket after the expirer ran late (a paused leader)', () => {
    const tracker = new SessionTracker(TICK_US, 0);
    tracker.addSession('early', 4000, 0);
    tracker.addSession('late', 20_000, 0);
    expect(tracker.pollExpired(60_000_000)).toEqual(['early', 'late']);
    expect(tracker.nextExpirationTimeUs).toBe(62_000_000);
  });
});
