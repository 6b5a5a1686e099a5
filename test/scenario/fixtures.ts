// Valid scenario texts shared by the loader tests and the fuzz test: the DESIGN §11 example
// verbatim (comments included), a minimal file, and one that uses the less common forms
// (broker lists, explicit assignment, hardware overrides, every fault kind, group expectations).

export const DESIGN_EXAMPLE = `name: leader-failover
description: Kill the leader of orders/0 under load; watch the controller elect a new leader.
seed: 42                      # default; --seed overrides
duration: 60s
cluster:
  racks: [r1, r2, r3]
  brokers: 3                  # ids 1..3, spread over the racks in turn; or a list: [{id: 1, rack: r1, hardware: hdd-1g}, ...]
  hardware: ssd-10g           # profile name, or an inline object overriding one
  config:                     # broker configs
    min.insync.replicas: 2
    unclean.leader.election.enable: false
    replica.lag.time.max.ms: 30000
  replication.protocol: kip-320
zookeeper:
  servers: 3                  # ids 1..3
  session.timeout.ms: 18000
topics:
  - name: orders
    partitions: 6
    replication.factor: 3     # or an explicit assignment instead, as Kafka's
    # assignment: [[1, 2, 3], [2, 3, 1], ...]   # --replica-assignment: one list per partition
    config: {retention.ms: 604800000}
producers:
  - name: p1
    topic: orders
    rate: 5000/s              # or \`max\`: as fast as the producer can go (closed loop)
    message.bytes: 200
    keys: {count: 1000}       # omit for unkeyed (sticky) traffic
    config: {acks: all, linger.ms: 5, enable.idempotence: true}
consumers:
  - group: billing
    topic: orders
    members: 2
    processing: 1ms           # per record
    config: {enable.auto.commit: true, auto.commit.interval.ms: 5000}
faults:
  - {at: 20s, crash: {leader: orders/0}}
  - {at: 45s, restart: {broker: 1}}
  - {at: 30s, partition: {isolate: {broker: 2}}, for: 10s}   # cut off from everyone, ZooKeeper too
  - {at: 50s, partition: {between: [[1], [2, 3]]}, for: 40s}   # only between these brokers
  - {at: 55s, power-loss: {broker: 3}}
  - {at: 56s, zk-crash: {zk: 1}}
expect:                        # checked after the run; any failure ⇒ exit 1
  lostAckedWrites: 0
  maxUnavailability: {partition: orders/0, below: 25s}
  leaderElections: {atLeast: 1}
`;

export const MINIMAL = `duration: 10s
`;

export const EVERYTHING = `name: everything
duration: 2m
cluster:
  racks: [east, west]
  brokers:
    - {id: 1, rack: east}
    - {id: 2, rack: west, hardware: hdd-1g}
    - {id: 3, rack: east, hardware: {disk.writeBytesPerSecond: 100000000}}
  hardware: {profile: linkedin-2014, nic.bitsPerSecond: 1000000000}
  config:
    default.replication.factor: 2
    log.segment.bytes: 64MiB
    replica.lag.time.max.ms: 10s
  replication.protocol: kip-101
  isr.propagation: zookeeper
zookeeper: {servers: 5, tick.time.ms: 1000}
topics:
  - name: events.v2
    assignment: [[1, 2], [2, 3], [3, 1]]
  - name: audit
    partitions: 2
producers:
  - name: writer
    topic: events.v2
    rate: max
    message.bytes: 1KiB
    keys: {count: 50, distribution: zipf, skew: 1.2}
    start: 5s
    stop: 100s
    config: {acks: 1, batch.size: 64KiB}
  - name: pinned
    topic: audit
    rate: 10/ms
    partition: 1
consumers:
  - group: readers
    topics: [events.v2, audit]
    members: 3
    commit: before-processing
    config: {partition.assignment.strategy: [roundrobin], session.timeout.ms: 10s}
faults:
  - {at: 10s, pause: {broker: 2}, for: 5s}
  - {at: 20s, pause: {broker: 2}, for: 5s}
  - {at: 30s, slow-disk: {broker: 1, factor: 10}, for: 10s}
  - {at: 31s, slow-network: {rack: west, latency: 200ms, bandwidth: 10Mbps}}
  - {at: 32s, partition: {from: [1], to: {rack: west}}, for: 3s}
  - {at: 40s, heal: {}}
  - {at: 41s, config: {broker: 1, set: {min.insync.replicas: 1}}, for: 10s}
  - {at: 42s, config: {topic: audit, set: {retention.ms: 1h}}}
  - {at: 43s, client-crash: {consumer: readers/2}}
  - {at: 44s, client-restart: {consumer: readers/2}}
  - {at: 45s, shutdown: controller}
  - {at: 50s, start: {rack: east}}
  - {at: 60s, zk-crash: {zk: 5}, for: 20s}
  - {at: 61s, client-crash: {producer: pinned}}
  - {at: 62s, crash: {broker: 3}}
  - {at: 70s, restart: {broker: 3}}
  - {at: 75s, power-loss: {rack: west}}
  - {at: 85s, zk-crash: {zk: 4}}
  - {at: 95s, zk-restart: {zk: 4}}
expect:
  rebalances: [{group: readers, atMost: 10}, {atLeast: 0}]
  anomalies.divergentReplicas: 0
  partitions.offlineMs: {partition: events.v2, below: 30s}
  latencyMs.p99: {below: 50ms}
`;

export const VALID_SCENARIOS: readonly string[] = [DESIGN_EXAMPLE, MINIMAL, EVERYTHING];
