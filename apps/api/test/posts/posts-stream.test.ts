import t from 'tap';
import { eventually, startTestHerald } from '../helpers/herald.js';
import { openSse } from '../helpers/sse-client.js';

/** On the event stream, a user sees the events about their posts and their comments, and nobody else's. */

const herald = await startTestHerald(t, { CORS_ORIGINS: 'https://app.example' });
const alice = await herald.signUp();
const bob = await herald.signUp();
const carol = await herald.signUp();

t.test("a user's stream carries their posts, comments on them and their own comments; not other people's", async (t) => {
  const stream = openSse(`${herald.url}/api/v1/events/stream`, { authorization: `Bearer ${alice.accessToken}`, origin: 'https://app.example' });
  t.teardown(() => stream.close());
  await eventually(async () => herald.eventHub.listenerCount() >= 1);
  const mine = (await herald.request({ method: 'POST', url: '/api/v1/posts', as: alice.accessToken, body: { content: 'by alice' } })).json();
  const bobs = (await herald.request({ method: 'POST', url: '/api/v1/posts', as: bob.accessToken, body: { content: 'by bob' } })).json();
  await herald.request({ method: 'POST', url: `/api/v1/posts/${mine.id}/comments`, as: bob.accessToken, body: { content: 'bob on alice' } });
  await herald.request({ method: 'POST', url: `/api/v1/posts/${bobs.id}/comments`, as: alice.accessToken, body: { content: 'alice on bob' } });
  await herald.request({ method: 'POST', url: `/api/v1/posts/${bobs.id}/comments`, as: carol.accessToken, body: { content: 'carol on bob' } });
  const marker = (await herald.request({ method: 'POST', url: '/api/v1/posts', as: alice.accessToken, body: { content: 'last' } })).json();
  const describe = () =>
    stream.messages
      .filter((m) => m.id)
      .map((m) => JSON.parse(m.data!) as { type: string; data: Record<string, any> })
      .map((e) => `${e.type} ${e.type.startsWith('Comment') ? e.data.comment.content : e.data.post?.content}`);
  // Events of different posts travel in different partitions on a real broker: no order between
  // them, so the stream is read until the last of them, then its order is checked per post.
  await stream.waitFor(() => describe().length >= 4 && describe().includes('PostCreated last'));
  const described = describe();
  t.same([...described].sort(), ['CommentAdded alice on bob', 'CommentAdded bob on alice', 'PostCreated by alice', 'PostCreated last'], 'hers, and her comments; not carol\'s comment, nor bob\'s post');
  t.ok(described.indexOf('PostCreated by alice') < described.indexOf('CommentAdded bob on alice'), "a post's events in order");
  t.equal((await stream.response).headers['access-control-allow-origin'], 'https://app.example', 'the stream carries the CORS headers of an allowed origin');
});
