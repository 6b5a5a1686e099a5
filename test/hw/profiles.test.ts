import { describe, expect, it } from 'vitest';
import { HARDWARE_PROFILES as SCENARIO_PROFILE_NAMES } from '../../sim/scenario/spec.ts';
import { HARDWARE_KEYS, HARDWARE_PROFILES, HardwareProfileError, resolveHardwareProfile, tcpPayloadBitsPerSecond } from '../../sim/hw/profiles.ts';

const GIB = 1024 ** 3;

describe('hardware profiles', () => {
  it('offer exactly the profiles a scenario may name, ssd-10g by default', () => {
    expect(Object.keys(HARDWARE_PROFILES).sort()).toEqual([...SCENARIO_PROFILE_NAMES].sort());
    expect(resolveHardwareProfile()).toEqual(HARDWARE_PROFILES['ssd-10g']);
  });

  it('linkedin-2014 is the machine of Kreps’s 2014 benchmark', () => {
    const p = HARDWARE_PROFILES['linkedin-2014'];
    expect([p.cores, p.disks, p.ramBytes, p.nicBitsPerSecond]).toEqual([6, 6, 32 * GIB, tcpPayloadBitsPerSecond(1e9)]);
    // One producer of 100-byte values bound by its own send() thread: 821,557 rec/s, within 5 %.
    const recordsPerSecond = 1e9 / (p.clientCpuNsPerRecord + 100 * p.clientCpuNsPerByte);
    expect(Math.abs(recordsPerSecond / 821_557 - 1)).toBeLessThan(0.05);
    // That producer must not be network-bound: its records (about 110 bytes each on the wire in
    // today's record format) stay under the NIC.
    expect(recordsPerSecond * 110 * 8).toBeLessThan(p.nicBitsPerSecond);
  });

  it('a NIC moves message bytes at its line rate less Ethernet, IP and TCP framing', () => {
    expect(tcpPayloadBitsPerSecond(1e9)).toBe(941_482_445);
    expect(tcpPayloadBitsPerSecond(1e9) / 1e9).toBeCloseTo(1448 / 1538, 9);
    expect(tcpPayloadBitsPerSecond(25e9)).toBeGreaterThan(tcpPayloadBitsPerSecond(10e9));
  });

  it('i3en-2xlarge writes ≈ 655 MB/s over its two NVMe disks and has 25 Gbps', () => {
    const p = HARDWARE_PROFILES['i3en-2xlarge'];
    expect([p.cores, p.disks, p.nicBitsPerSecond]).toEqual([8, 2, tcpPayloadBitsPerSecond(25e9)]);
    expect(p.disks * p.diskWriteBytesPerSecond).toBe(655_000_000);
    // The OMB peak of 605 MB/s was disk-bound, so it must sit just under the disks' total.
    expect(605_000_000 / (p.disks * p.diskWriteBytesPerSecond)).toBeGreaterThan(0.9);
  });

  it('every profile keeps Linux’s writeback defaults', () => {
    for (const p of Object.values(HARDWARE_PROFILES)) {
      expect([p.vmDirtyBackgroundRatio, p.vmDirtyRatio, p.vmDirtyExpireCentisecs, p.vmDirtyWritebackCentisecs]).toEqual([10, 20, 3000, 500]);
    }
  });

  it('applies overrides, accepting numeric strings', () => {
    const p = resolveHardwareProfile('hdd-1g', { disks: 4, nicBitsPerSecond: '10000000000' });
    expect([p.disks, p.nicBitsPerSecond, p.diskLatencyUs]).toEqual([4, 1e10, 12_000]);
    expect(Object.isFrozen(p)).toBe(true);
  });

  it.each<[string, Record<string, number | string>, RegExp]>([
    ['unknown key', { nicBandwidth: 1 }, /unknown hardware key "nicBandwidth"/],
    ['text that is not a number', { cores: 'many' }, /hardware cores must be a number, got "many"/],
    ['fractional count', { disks: 1.5 }, /hardware disks must be a whole number from 1 to 1024/],
    ['zero bandwidth', { nicBitsPerSecond: 0 }, /hardware nicBitsPerSecond must be positive/],
    ['negative latency', { intraRackLatencyUs: -1 }, /must be zero or positive/],
    ['fractional microseconds', { crossRackLatencyUs: 2.5 }, /crossRackLatencyUs must be a whole number/],
    ['heap larger than RAM', { heapBytes: 64 * GIB }, /heapBytes .* must be less than ramBytes/],
    ['ratio above 100', { vmDirtyRatio: 120 }, /percentage/],
  ])('rejects %s, naming the key', (_, overrides, message) => {
    expect(() => resolveHardwareProfile('ssd-10g', overrides)).toThrow(HardwareProfileError);
    expect(() => resolveHardwareProfile('ssd-10g', overrides)).toThrow(message);
  });

  it('rejects an unknown profile name, listing the known ones', () => {
    expect(() => resolveHardwareProfile('ssd-100g')).toThrow(/unknown hardware profile "ssd-100g": expected one of ssd-10g, hdd-1g/);
  });

  it('lists every field as a key', () => {
    expect(HARDWARE_KEYS).toContain('diskLatencyUs');
    expect(HARDWARE_KEYS).toHaveLength(Object.keys(HARDWARE_PROFILES['ssd-10g']).length);
  });
});
