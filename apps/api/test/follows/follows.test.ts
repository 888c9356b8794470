import t from 'tap';
import { topicName } from '@herald/event-schemas';
import { readTopic, startTestHerald } from '../helpers/herald.js';

/** Follows: idempotent follow and unfollow, exact counts on profiles, listings newest first, events keyed by the followed user. */

const herald = await startTestHerald(t);
const alice = await herald.signUp();
const bob = await herald.signUp();
const profile = async (id: string) => (await herald.request({ method: 'GET', url: `/api/v1/users/${id}`, as: 'anonymous' })).json();

t.test('following is idempotent and counted on both profiles; unfollowing undoes it', async (t) => {
  const follow = () => herald.request({ method: 'PUT', url: `/api/v1/me/following/${bob.id}`, as: alice.accessToken });
  t.equal((await follow()).statusCode, 204);
  t.equal((await follow()).statusCode, 204, 'again: nothing changes');
  t.match(await profile(bob.id), { follower_count: 1, following_count: 0 });
  t.match(await profile(alice.id), { follower_count: 0, following_count: 1 });
  const unfollow = () => herald.request({ method: 'DELETE', url: `/api/v1/me/following/${bob.id}`, as: alice.accessToken });
  t.equal((await unfollow()).statusCode, 204);
  t.equal((await unfollow()).statusCode, 204, 'again: nothing changes');
  t.match(await profile(bob.id), { follower_count: 0 });
  t.match(await profile(alice.id), { following_count: 0 });

  const events = await readTopic(herald.transport, topicName('users', herald.topicPrefix), (r) => r.filter((e) => e.event.type.endsWith('ollowed')).length >= 2);
  const follows = events.filter((e) => e.event.type === 'UserFollowed' || e.event.type === 'UserUnfollowed');
  t.same(follows.map((e) => e.event.type), ['UserFollowed', 'UserUnfollowed'], 'one event per change, none for the repeats');
  t.ok(follows.every((e) => e.record.key === bob.id), 'keyed by the followed user');
});

t.test('following yourself is a 409, an unknown user a 404, without a token a 401', async (t) => {
  t.equal((await herald.request({ method: 'PUT', url: `/api/v1/me/following/${alice.id}`, as: alice.accessToken })).statusCode, 409);
  t.equal((await herald.request({ method: 'PUT', url: '/api/v1/me/following/01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b', as: alice.accessToken })).statusCode, 404);
  t.equal((await herald.request({ method: 'PUT', url: `/api/v1/me/following/${bob.id}`, as: 'anonymous' })).statusCode, 401);
});

t.test('followers and following are listed newest first with a cursor that neither skips nor repeats', async (t) => {
  const star = await herald.signUp();
  const fans = [];
  for (let i = 0; i < 7; i++) {
    const fan = await herald.signUp();
    await herald.request({ method: 'PUT', url: `/api/v1/me/following/${star.id}`, as: fan.accessToken });
    fans.push(fan);
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ handle: string }>; next_cursor: string | null } = (
      await herald.request({ method: 'GET', url: `/api/v1/users/${star.id}/followers?limit=3${cursor ? `&cursor=${cursor}` : ''}`, as: 'anonymous' })
    ).json();
    seen.push(...page.items.map((item) => item.handle));
    cursor = page.next_cursor;
  } while (cursor);
  t.same(seen, fans.map((fan) => fan.handle).reverse());
  const following = (await herald.request({ method: 'GET', url: `/api/v1/users/${fans[0]!.id}/following`, as: 'anonymous' })).json();
  t.same(following.items.map((item: { id: string }) => item.id), [star.id]);
  t.equal((await herald.request({ method: 'GET', url: '/api/v1/users/01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b/followers', as: 'anonymous' })).statusCode, 404);
});

t.test('concurrent follows of one user leave exact counts', async (t) => {
  const target = await herald.signUp();
  const fans = await Promise.all(Array.from({ length: 12 }, () => herald.signUp()));
  await Promise.all(fans.flatMap((fan) => [1, 2].map(() => herald.request({ method: 'PUT', url: `/api/v1/me/following/${target.id}`, as: fan.accessToken }))));
  t.match(await profile(target.id), { follower_count: 12 });
});
