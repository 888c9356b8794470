import t from 'tap';
import { Partitioners } from 'kafkajs';
import { partitionForKey } from '../src/index.js';
import { murmur2 } from '../src/embedded/murmur2.js';
import { keyedPartitioner } from '../src/kafka/keyed-partitioner.js';

t.test("murmur2 gives the values of Kafka's own test vectors", async (t) => {
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
  // From Apache Kafka's UtilsTest.testMurmur2.
  t.equal(murmur2(encode('21')), -973932308);
  t.equal(murmur2(encode('foobar')), -790332482);
  t.equal(murmur2(encode('a-little-bit-long-string')), -985981536);
  t.equal(murmur2(encode('a-little-bit-longer-string')), -1486304829);
  t.equal(murmur2(encode('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')), -58897971);
  t.equal(murmur2(new Uint8Array([0x61, 0x62, 0x63])), 479470107);
});

const partitionMetadataOf = (partitions: number) =>
  Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

t.test('the Kafka producer puts a key on the partition kafkajs (and Java) would choose', async (t) => {
  const kafkajsPartition = Partitioners.DefaultPartitioner();
  const herald = keyedPartitioner();
  const keys = ['', 'a', 'product-42', 'ümlaut-ключ-键', '😀', ...Array.from({ length: 500 }, (_, n) => `${n * 7919}-${'x'.repeat(n % 13)}`)];
  const mismatches: string[] = [];
  for (const partitions of [1, 2, 3, 4, 7, 12]) {
    const partitionMetadata = partitionMetadataOf(partitions);
    for (const key of keys) {
      const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } };
      if (herald(args) !== kafkajsPartition(args)) mismatches.push(`${key} of ${partitions}`);
    }
  }
  t.same(mismatches, [], 'no key lands elsewhere');
  const given = keys.map((key) => herald({ topic: 't', partitionMetadata: partitionMetadataOf(7), message: { key, value: 'v', partition: 5 } }));
  t.ok(given.every((partition) => partition === 5), 'a partition given with the record is kept');
});

t.test('the embedded broker puts a key on the partition Kafka (kafkajs) would choose', async (t) => {
  const kafkajsPartition = Partitioners.DefaultPartitioner();
  const keys = ['', 'a', 'product-42', 'ümlaut-ключ-键', ...Array.from({ length: 200 }, (_, n) => `key-${n * 7919}`)];
  const mismatches: string[] = [];
  for (const partitions of [1, 2, 3, 4, 7, 12]) {
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    for (const key of keys) {
      const expected = kafkajsPartition({ topic: 't', partitionMetadata, message: { key, value: 'v' } });
      if (partitionForKey(key, partitions) !== expected) mismatches.push(`${key} of ${partitions}`);
    }
  }
  t.same(mismatches, [], 'no key lands elsewhere');
});
