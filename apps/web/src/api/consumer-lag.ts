/** `GET /api/v1/analytics/consumer-lag` (schema ConsumerLag in openapi.yaml). */
export interface ConsumerLag {
  transport: 'kafka' | 'embedded';
  groups: ConsumerGroupLag[];
}

export interface ConsumerGroupLag {
  group: string;
  /** Records not yet handled, over every partition. */
  lag: number;
  partitions: PartitionLag[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed_offset: string;
  high_watermark: string;
  lag: number;
}
