// The small internal seam between the Kafka backend and the client library that speaks the
// protocol. kafkajs (kafkajs-seam.ts) has had no release since 2023; everything the backend asks
// of a client is written here, so another client could take its place by implementing these
// interfaces and nothing else. Nothing here decides policy: it produces, fetches, commits, and
// answers the few admin questions the backend needs.

/** A record to produce: the payload, the record key (picks the partition) and header pairs. */
export interface OutgoingRecord {
  key: string | undefined;
  value: Uint8Array;
  headers: Readonly<Record<string, string>>;
  /** An explicit partition (a redelivered copy goes back to its original's partition). */
  partition?: number;
}

/** A record as fetched: header values are the client's raw bytes. */
export interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown> | undefined;
  /** The broker's timestamp, epoch ms as a decimal string. */
  timestamp: string;
}

/** What a group consumer tells its owner. Called from the client's fetch loop: must not block. */
export interface ConsumerEvents {
  /** The group (re)assigned partitions of the topic to this member; everything else is no longer ours. */
  assigned(partitions: readonly number[]): void;
  /**
   * Records of one partition, in offset order. A promise back means "the prefetch of this
   * partition is full": the client holds that partition's fetch (and keeps heartbeating) until it
   * resolves — a pause that resumes the moment there is room.
   */
  records(partition: number, records: readonly FetchedRecord[]): void | Promise<void>;
  /** A fetch round finished (the broker answers). */
  fetched(): void;
  /** The member lost its place in the group (the connection failed; the client restarts it or not). */
  lost(error: Error, restarting: boolean): void;
}

export interface GroupConsumer {
  /** Joins the group and starts fetching; resolves once the client runs (not once assigned). */
  start(): Promise<void>;
  /** Commits `offset` (the next offset to read) for each partition, as this member of the group. */
  commit(offsets: readonly { partition: number; offset: string }[]): Promise<void>;
  /** Leaves the group and disconnects. */
  stop(): Promise<void>;
}

export interface ConsumerSettings {
  groupId: string;
  topic: string;
  /** Where a group with no committed offset starts: the beginning, or the end. */
  fromBeginning: boolean;
  /**
   * Offsets to start each partition at on this member's first assignment (a new group fixed at
   * the end offsets read when it was made, not at "latest" whenever the member first fetches).
   */
  startAt?: ReadonlyMap<number, number>;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitMs: number;
  maxBytesPerPartition: number;
}

export interface ProduceSettings {
  /** -1 (all in-sync replicas), 1 (the leader), 0 (none). */
  acks: -1 | 0 | 1;
  compression: 'none' | 'gzip';
  timeoutMs: number;
}

/** The offsets a transaction commits for a consumer group, with its output. */
export interface TransactionOffsets {
  groupId: string;
  topic: string;
  partitions: readonly { partition: number; offset: string }[];
}

/** One transactional id: one transaction at a time (the seam serialises them). */
export interface TransactionalProducer {
  /** Produces every record and commits the offsets in one transaction; aborts it if anything fails. */
  commit(records: readonly { topic: string; record: OutgoingRecord }[], offsets: TransactionOffsets | undefined): Promise<void>;
  close(): Promise<void>;
}

export interface BrokerClient {
  /** Connects the producer and the admin connection; rejects when no broker answers. */
  connect(): Promise<void>;
  /** Produces in order, in one request where the client can; resolves once the broker accepted them (per `acks`). */
  produce(topic: string, records: readonly OutgoingRecord[], settings: ProduceSettings): Promise<void>;
  /** Creates the topic when missing; resolves to its partition count. */
  ensureTopic(topic: string, partitions: number, replicationFactor: number | undefined): Promise<number>;
  /** Per partition: [first offset, end offset (high watermark)]. */
  offsets(topic: string): Promise<Map<number, [number, number]>>;
  /** The group's committed next offsets of the topic; a partition without one is absent. */
  committed(groupId: string, topic: string): Promise<Map<number, number>>;
  listTopics(): Promise<string[]>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  listGroups(): Promise<string[]>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
  consumer(settings: ConsumerSettings, events: ConsumerEvents): GroupConsumer;
  transactional(transactionalId: string, settings: ProduceSettings): TransactionalProducer;
  close(): Promise<void>;
}
