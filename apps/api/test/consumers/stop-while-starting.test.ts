import t from 'tap';
import { capturedLog } from '../helpers/captured-log.js';
import { startTestHerald } from '../helpers/herald.js';

t.test('stopping before the in-process consumers have started is a normal stop, not an error', async (t) => {
  const { logger, lines } = capturedLog('info');
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' }, logger);
  let consumersStarted = false;
  void herald.consumers.then((thread) => {
    consumersStarted = thread !== undefined;
  }, () => {});
  // The consumer thread loads its modules and joins four groups: it has not finished yet.
  await herald.close();
  t.notOk(consumersStarted, 'stopped before the consumers had started');
  const errors = lines.filter((line) => Number(line.level) >= 50).map((line) => line.msg);
  t.same(errors, [], 'nothing logged as an error');
});
