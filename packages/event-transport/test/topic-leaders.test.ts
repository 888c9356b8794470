import t from 'tap';
import { waitForTopicLeaders, type TopicPartitionsMetadata } from '../src/kafka/topic-leaders.js';

// What kafkajs throws for a broker's error code, wrapped as its retrier wraps it.
const protocolError = (type: string) =>
  Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type }) });

const topic = (name: string, leaders: number[]): TopicPartitionsMetadata => ({
  name,
  partitions: leaders.map((leader, partitionId) => ({ partitionId, leader })),
});

/** A metadata source that answers with `answers` in turn (an Error is thrown), recording what it was asked. */
function scripted(answers: Array<Error | TopicPartitionsMetadata[]>) {
  const asked: string[][] = [];
  const fetch = async (topics: string[]) => {
    asked.push(topics);
    const answer = answers[Math.min(asked.length - 1, answers.length - 1)]!;
    if (answer instanceof Error) throw answer;
    return { topics: answer };
  };
  return { fetch, asked };
}

const quick = { timeoutMs: 2_000, pollMs: 1 };

t.test('a topic the broker does not know yet, or whose partitions have no leader yet, is waited for', async (t) => {
  const source = scripted([
    protocolError('UNKNOWN_TOPIC_OR_PARTITION'),
    protocolError('LEADER_NOT_AVAILABLE'),
    [topic('a', [0, -1]), topic('b', [0])],
    [topic('a', [0, 0])],
  ]);
  await waitForTopicLeaders(source.fetch, ['a', 'b'], quick);
  t.same(source.asked, [['a', 'b'], ['a', 'b'], ['a', 'b'], ['a']], 'asks again until every partition has a leader, then only for what is missing');
});

t.test('a topic listed without partitions is not ready', async (t) => {
  const source = scripted([[topic('a', [])], [topic('a', [1])]]);
  await waitForTopicLeaders(source.fetch, ['a'], quick);
  t.equal(source.asked.length, 2);
});

t.test('any other error ends the wait at once', async (t) => {
  const source = scripted([protocolError('TOPIC_AUTHORIZATION_FAILED')]);
  await t.rejects(waitForTopicLeaders(source.fetch, ['a'], quick), { message: 'retries exceeded' });
  t.equal(source.asked.length, 1);
});

t.test('after the timeout the error names the topics still without leaders', async (t) => {
  const source = scripted([[topic('a', [0]), topic('b', [-1])]]);
  await t.rejects(waitForTopicLeaders(source.fetch, ['a', 'b'], { timeoutMs: 30, pollMs: 5 }), {
    code: 'ERR_TRANSPORT_ADMIN_FAILED',
    message: /within 30 ms: b$/,
  });
});

t.test('once metadata names the leaders, each topic is waited for until its leaders serve it', async (t) => {
  const source = scripted([[topic('a', [0]), topic('b', [0])], [topic('b', [0])]]);
  const confirmations: string[] = [];
  let refusals = 2;
  const confirm = async (name: string) => {
    confirmations.push(name);
    if (name === 'b' && refusals-- > 0) throw protocolError('NOT_LEADER_FOR_PARTITION');
  };
  await waitForTopicLeaders(source.fetch, ['a', 'b'], { ...quick, confirm });
  t.same(confirmations, ['a', 'b', 'b', 'b'], 'a topic confirmed once is not asked again');
  t.same(source.asked, [['a', 'b'], ['b'], ['b']], 'metadata is read again for what is not served yet');
});

t.test('a leader that refuses for another reason ends the wait at once', async (t) => {
  const source = scripted([[topic('a', [0])]]);
  const confirm = async () => {
    throw protocolError('TOPIC_AUTHORIZATION_FAILED');
  };
  await t.rejects(waitForTopicLeaders(source.fetch, ['a'], { ...quick, confirm }), { message: 'retries exceeded' });
});
