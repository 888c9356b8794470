import { Partitioners, type ICustomPartitioner } from 'kafkajs';
import { partitionForKey } from '../embedded/murmur2.js';

/**
 * kafkajs's DefaultPartitioner (Java's for keyed records: murmur2 of the key, modulo the partition
 * count), with murmur2 computed in 32-bit integer arithmetic: kafkajs's own goes through its Long
 * type, which took about a tenth of the publisher thread in a profile of writes on Kafka. Every
 * record Herald sends has a string key; anything else goes to kafkajs's partitioner.
 */
export const keyedPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if ((message.partition === undefined || message.partition === null) && typeof message.key === 'string') {
      return partitionForKey(message.key, partitionMetadata.length);
    }
    return fallback(args);
  };
};
