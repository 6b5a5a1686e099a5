// Named hardware profiles (DESIGN §4): what one machine of a cluster is made of. Every figure a
// later scenario's throughput or latency depends on comes from here, so each profile says where
// its numbers come from. FIDELITY.md §C lists the benchmarks the profiles must let us reproduce.
//
// Units are in the field names. Disk figures are per disk (a machine has `disks` of them, JBOD,
// one Kafka log dir each). Linux writeback settings keep their sysctl names and native units
// (percent, centiseconds), as Kafka configs keep theirs. CPU costs are calibrated estimates, not
// measurements: they are chosen so that the benchmark each profile comes from binds where it
// bound (the derivation is next to each figure); treat them as the knobs to tune when a
// reference benchmark disagrees.
//
// Simplified: one NIC per machine, full duplex; disks have no volatile write cache (a completed
// write is durable, as with power-loss-protected SSDs or write-through HDDs); network latency is
// a property of the two machines' profiles (the larger figure wins).

/** One machine's hardware. All fields are numbers with their unit in the name. */
export interface HardwareProfile {
  /** Cores of the machine; the size of a process's default CPU pool. */
  readonly cores: number;
  readonly ramBytes: number;
  /** Memory the process keeps for itself (the JVM heap); the rest is page cache. */
  readonly heapBytes: number;
  /**
   * Bandwidth of the NIC for the bytes of messages, each direction: the line rate less the framing
   * every TCP segment costs on the wire (see `tcpPayloadBitsPerSecond`).
   */
  readonly nicBitsPerSecond: number;
  /** One-way propagation between two machines in the same rack (switch + kernel stacks). */
  readonly intraRackLatencyUs: number;
  /** One-way propagation between racks. */
  readonly crossRackLatencyUs: number;
  /** Up to this much extra one-way latency per message, uniformly drawn (never reorders). */
  readonly latencyJitterUs: number;
  /** Disks (log dirs). Each has the throughput and latency below. */
  readonly disks: number;
  /** Sequential write throughput of one disk. */
  readonly diskWriteBytesPerSecond: number;
  /** Read throughput of one disk for data not in the page cache. */
  readonly diskReadBytesPerSecond: number;
  /** Fixed cost of a read or a cache flush (seek + rotation on an HDD, command latency on NVMe). */
  readonly diskLatencyUs: number;
  /** vm.dirty_background_ratio: % of page cache dirty before background writeback starts. */
  readonly vmDirtyBackgroundRatio: number;
  /** vm.dirty_ratio: % of page cache dirty (or under writeback) at which writers are throttled. */
  readonly vmDirtyRatio: number;
  /** vm.dirty_expire_centisecs: age at which dirty data is written back by the periodic flusher. */
  readonly vmDirtyExpireCentisecs: number;
  /** vm.dirty_writeback_centisecs: the periodic flusher's interval. */
  readonly vmDirtyWritebackCentisecs: number;
  /** Broker CPU per request handled (parse, purgatory, response), on one request-handler thread. */
  readonly requestCpuUs: number;
  /** Broker CPU per byte of record data handled (CRC32C check, copy). */
  readonly brokerCpuNsPerByte: number;
  /** Client CPU per record produced or consumed (serialise, partition, accumulate / decode). */
  readonly clientCpuNsPerRecord: number;
  /** Client CPU per byte produced or consumed (copy, checksum). */
  readonly clientCpuNsPerByte: number;
}

export type HardwareKey = keyof HardwareProfile;

const GIB = 1024 ** 3;

/**
 * TCP payload bytes one full-sized frame carries on a 1500-byte-MTU Ethernet: 1500 − 20 (IPv4
 * header) − 32 (TCP header with the timestamps option, on by default in Linux).
 */
export const TCP_SEGMENT_PAYLOAD_BYTES = 1448;
/**
 * Wire bytes a frame costs beyond its payload: 52 (IP + TCP headers) + 14 (Ethernet header) + 4
 * (frame check sequence) + 8 (preamble and start delimiter) + 12 (inter-frame gap), IEEE 802.3.
 */
export const FRAME_OVERHEAD_BYTES = 90;

/**
 * The rate at which a NIC of `lineBitsPerSecond` moves message bytes when they travel in
 * full-sized TCP segments: 1448 of every 1538 wire bytes, 94.1 % (941 Mbit/s on 1 GbE). Messages
 * the size of a Kafka batch or fetch response are mostly full segments, which is what the
 * throughput benchmarks move; the few small messages lose a little more in reality.
 */
export function tcpPayloadBitsPerSecond(lineBitsPerSecond: number): number {
  return Math.round((lineBitsPerSecond * TCP_SEGMENT_PAYLOAD_BYTES) / (TCP_SEGMENT_PAYLOAD_BYTES + FRAME_OVERHEAD_BYTES));
}

/**
 * Linux defaults (Documentation/admin-guide/sysctl/vm.rst): background writeback at 10 % dirty,
 * throttling at 20 %, data expires after 30 s, the flusher wakes every 5 s.
 */
const LINUX_WRITEBACK = {
  vmDirtyBackgroundRatio: 10,
  vmDirtyRatio: 20,
  vmDirtyExpireCentisecs: 3000,
  vmDirtyWritebackCentisecs: 500,
} as const;

/**
 * Network latency inside one data centre: "round trip within same datacenter 500 µs" (J. Dean,
 * "Numbers everyone should know", 2009) ⇒ about 250 µs one way across racks; a top-of-rack hop
 * with two kernel stacks is about 50 µs.
 */
const DATACENTRE_NETWORK = { intraRackLatencyUs: 50, crossRackLatencyUs: 250, latencyJitterUs: 20 } as const;

/** Kafka's documented production JVM: -Xmx6g -Xms6g (Kafka docs, "Java Version"). */
const KAFKA_HEAP_BYTES = 6 * GIB;

export const HARDWARE_PROFILES = {
  /**
   * The default: a current general-purpose server. 16 cores, 64 GiB, 10 GbE, one NVMe SSD
   * (about 1 GB/s sequential write, 2 GB/s read, ~100 µs command latency; vendor data sheets of
   * data-centre NVMe drives are higher, this is sustained, not peak). CPU as i3en-2xlarge.
   */
  'ssd-10g': {
    cores: 16,
    ramBytes: 64 * GIB,
    heapBytes: KAFKA_HEAP_BYTES,
    nicBitsPerSecond: tcpPayloadBitsPerSecond(10e9),
    ...DATACENTRE_NETWORK,
    disks: 1,
    diskWriteBytesPerSecond: 1_000_000_000,
    diskReadBytesPerSecond: 2_000_000_000,
    diskLatencyUs: 100,
    ...LINUX_WRITEBACK,
    requestCpuUs: 20,
    brokerCpuNsPerByte: 0.25,
    clientCpuNsPerRecord: 500,
    clientCpuNsPerByte: 0.5,
  },
  /**
   * A commodity box with one spinning disk and gigabit Ethernet. The disk is a 7200 rpm SATA drive:
   * ~120 MB/s sequential (typical data-sheet sustained rate of 1–2 TB drives), ~12 ms per random
   * access (8.5 ms average seek + 4.2 ms half a rotation at 7200 rpm). CPU as linkedin-2014.
   */
  'hdd-1g': {
    cores: 8,
    ramBytes: 32 * GIB,
    heapBytes: KAFKA_HEAP_BYTES,
    nicBitsPerSecond: tcpPayloadBitsPerSecond(1e9),
    ...DATACENTRE_NETWORK,
    disks: 1,
    diskWriteBytesPerSecond: 120_000_000,
    diskReadBytesPerSecond: 120_000_000,
    diskLatencyUs: 12_000,
    ...LINUX_WRITEBACK,
    requestCpuUs: 40,
    brokerCpuNsPerByte: 0.5,
    clientCpuNsPerRecord: 1000,
    clientCpuNsPerByte: 1.75,
  },
  /**
   * Jay Kreps, "Benchmarking Apache Kafka: 2 Million Writes Per Second (On Three Cheap Machines)",
   * LinkedIn Engineering, 2014: six-core 2.5 GHz Xeon, six 7200 rpm SATA drives mounted JBOD,
   * 32 GB RAM, 1 Gb Ethernet (941 Mbit/s of TCP payload). Disks as hdd-1g. The benchmark's
   * records were 122 bytes on the wire (100-byte values, FIDELITY §C). Client CPU: one producer
   * thread reached 821,557 records/s with its NIC at 85 % (821,557 × 122 B = 100 MB/s of 117.7),
   * so its send() thread bound: 1.2 µs per record = 1000 ns + 1.75 ns × 115 bytes (the value
   * that makes a 122-byte record today). The consumer rows are NIC-bound instead: one consumer's
   * 940,521 records/s is 115 MB/s, 97 % of its NIC (bench/calibration.ts checks both).
   * Three producers (2,024,032 records/s, 247 MB/s) sent 82 MB/s into each broker, 70 % of its
   * NIC; with three replicas each broker must also take in 2 × 82 = 165 MB/s of replication, 247
   * MB/s in all, 2.1× its 117.7 MB/s. So the followers fell behind for the run (acks=1 waits for
   * the leader only) and the row binds at the brokers' receive links shared between the producers'
   * three connections and the two replica fetchers' as TCP shares a bottleneck, about per flow.
   * None of these figures is the knob for that row: it depends on how a NIC shares itself. Served
   * whole and first come, first served, each 8 KB produce request waited behind 0.7–2 MB fetch
   * responses and the producers stalled on max.in.flight.requests.per.connection (0.38 of the
   * published rate). Shared per connection as Linux's fq does (nic.ts: 64 KB pieces, new flows
   * first, cut-through to the receiver), a request waits for at most about one piece of another
   * connection's data, and the row comes out at 0.92 (issue 14).
   */
  'linkedin-2014': {
    cores: 6,
    ramBytes: 32 * GIB,
    heapBytes: KAFKA_HEAP_BYTES,
    nicBitsPerSecond: tcpPayloadBitsPerSecond(1e9),
    ...DATACENTRE_NETWORK,
    disks: 6,
    diskWriteBytesPerSecond: 120_000_000,
    diskReadBytesPerSecond: 120_000_000,
    diskLatencyUs: 12_000,
    ...LINUX_WRITEBACK,
    requestCpuUs: 40,
    brokerCpuNsPerByte: 0.5,
    clientCpuNsPerRecord: 1000,
    clientCpuNsPerByte: 1.75,
  },
  /**
   * AWS i3en.2xlarge, as in Confluent's OpenMessaging Benchmark of 2020 ("Benchmarking Apache
   * Kafka, Apache Pulsar, and RabbitMQ: Which is the Fastest?"): 8 vCPU, 64 GiB, 2 × 2,500 GB
   * NVMe, up to 25 Gbps. The two disks wrote ≈ 655 MB/s together (327.5 MB/s each), and the
   * Kafka peak of 605 MB/s was disk-bound: the benchmark prints MB as 2^20 bytes, so 634 MB/s,
   * 97 % of the disks, with three replicas on three brokers (each writes every byte). Read
   * throughput is not given by the source; reads are served from the page cache in that benchmark.
   */
  'i3en-2xlarge': {
    cores: 8,
    ramBytes: 64 * GIB,
    heapBytes: KAFKA_HEAP_BYTES,
    nicBitsPerSecond: tcpPayloadBitsPerSecond(25e9),
    ...DATACENTRE_NETWORK,
    disks: 2,
    diskWriteBytesPerSecond: 327_500_000,
    diskReadBytesPerSecond: 1_000_000_000,
    diskLatencyUs: 100,
    ...LINUX_WRITEBACK,
    requestCpuUs: 20,
    brokerCpuNsPerByte: 0.25,
    clientCpuNsPerRecord: 500,
    clientCpuNsPerByte: 0.5,
  },
} as const satisfies Record<string, HardwareProfile>;

export type HardwareProfileName = keyof typeof HARDWARE_PROFILES;
export const DEFAULT_HARDWARE_PROFILE: HardwareProfileName = 'ssd-10g';

/** Every field of a profile, in declaration order (for validation and "did you mean"). */
export const HARDWARE_KEYS: readonly HardwareKey[] = Object.keys(HARDWARE_PROFILES['ssd-10g']) as HardwareKey[];

/** Fields that count things and must be whole numbers of at least 1. */
const COUNT_KEYS: ReadonlySet<HardwareKey> = new Set<HardwareKey>(['cores', 'disks']);
/** Fields that may be zero (everything else must be positive). */
const MAY_BE_ZERO: ReadonlySet<HardwareKey> = new Set<HardwareKey>([
  'heapBytes', 'intraRackLatencyUs', 'crossRackLatencyUs', 'latencyJitterUs', 'diskLatencyUs',
  'requestCpuUs', 'brokerCpuNsPerByte', 'clientCpuNsPerRecord', 'clientCpuNsPerByte',
]);
/** Fields the simulator uses as integer microseconds or bytes. */
const INTEGER_KEYS: ReadonlySet<HardwareKey> = new Set<HardwareKey>([
  'ramBytes', 'heapBytes', 'intraRackLatencyUs', 'crossRackLatencyUs', 'latencyJitterUs', 'diskLatencyUs',
  'vmDirtyExpireCentisecs', 'vmDirtyWritebackCentisecs',
]);

export class HardwareProfileError extends Error {
  override readonly name = 'HardwareProfileError';
}

/**
 * A named profile with `overrides` applied (scenario `hardware: {profile, ...keys}`). Unknown
 * keys, non-numbers and out-of-range values are rejected naming the key.
 */
export function resolveHardwareProfile(
  name: string = DEFAULT_HARDWARE_PROFILE,
  overrides: Readonly<Record<string, number | string>> = {},
): HardwareProfile {
  if (!Object.hasOwn(HARDWARE_PROFILES, name)) {
    throw new HardwareProfileError(`unknown hardware profile "${name}": expected one of ${Object.keys(HARDWARE_PROFILES).join(', ')}`);
  }
  const profile: Record<string, number> = { ...HARDWARE_PROFILES[name as HardwareProfileName] };
  for (const [key, written] of Object.entries(overrides)) {
    if (!(HARDWARE_KEYS as readonly string[]).includes(key)) {
      throw new HardwareProfileError(`unknown hardware key "${key}": expected one of ${HARDWARE_KEYS.join(', ')}`);
    }
    profile[key] = checkedValue(key as HardwareKey, written);
  }
  const resolved = profile as unknown as HardwareProfile;
  if (resolved.heapBytes >= resolved.ramBytes) {
    throw new HardwareProfileError(`hardware heapBytes (${resolved.heapBytes}) must be less than ramBytes (${resolved.ramBytes})`);
  }
  if (resolved.vmDirtyBackgroundRatio > resolved.vmDirtyRatio) {
    throw new HardwareProfileError('hardware vmDirtyBackgroundRatio must not exceed vmDirtyRatio (Linux would lower it to half)');
  }
  return Object.freeze(resolved);
}

function checkedValue(key: HardwareKey, written: number | string): number {
  const value = typeof written === 'number' ? written : written.trim() === '' ? Number.NaN : Number(written);
  if (!Number.isFinite(value)) throw new HardwareProfileError(`hardware ${key} must be a number, got ${JSON.stringify(written)}`);
  if (COUNT_KEYS.has(key) && (!Number.isInteger(value) || value < 1 || value > 1024)) {
    throw new HardwareProfileError(`hardware ${key} must be a whole number from 1 to 1024, got ${value}`);
  }
  if (INTEGER_KEYS.has(key) && !Number.isInteger(value)) {
    throw new HardwareProfileError(`hardware ${key} must be a whole number, got ${value}`);
  }
  if (value < 0 || (value === 0 && !MAY_BE_ZERO.has(key))) {
    throw new HardwareProfileError(`hardware ${key} must be ${MAY_BE_ZERO.has(key) ? 'zero or positive' : 'positive'}, got ${value}`);
  }
  if ((key === 'vmDirtyBackgroundRatio' || key === 'vmDirtyRatio') && value > 100) {
    throw new HardwareProfileError(`hardware ${key} is a percentage (at most 100), got ${value}`);
  }
  return value;
}
