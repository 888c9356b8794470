import { randomUUID } from 'node:crypto';
import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import t from 'tap';
import { mayNotify } from '../src/state/notifications.js';

const [me, other] = [randomUUID(), randomUUID()];
const now = new Date().toISOString();
const followed = (follower: string, followee: string) =>
  createEvent({ type: 'UserFollowed', source: '/test', subject: followee, data: { follower_id: follower, followee_id: followee, followed_at: now } }) as HeraldEvent;
const commented = (author: string, postAuthor: string) =>
  createEvent({
    type: 'CommentAdded',
    source: '/test',
    subject: 'p',
    data: { comment: { id: randomUUID(), post_id: 'p', author_id: author, content: 'hi', created_at: now }, post_author_id: postAuthor, comment_count: 1 },
  }) as HeraldEvent;

t.test('the badge reads its count again after an event that notifies the signed-in user, not after others', async (t) => {
  t.ok(mayNotify(followed(other, me), me), 'someone followed me');
  t.notOk(mayNotify(followed(me, other), me), 'I followed someone');
  t.ok(mayNotify(commented(other, me), me), 'someone commented on my post');
  t.notOk(mayNotify(commented(me, me), me), 'I commented on my own post');
  t.notOk(mayNotify(commented(other, other), me), "a comment on someone else's post");
  t.notOk(mayNotify(followed(other, me), undefined), 'no user id known');
  const refused = (author: string) =>
    createEvent({
      type: 'PostImageRejected',
      source: '/test',
      subject: 'p',
      data: { post_id: 'p', author_id: author, upload_id: randomUUID(), reason_code: 'md5_mismatch', reason: 'the bytes are not the ones declared' },
    }) as HeraldEvent;
  t.ok(mayNotify(refused(me), me), 'an image of mine was refused');
  t.notOk(mayNotify(refused(other), me), "someone else's was");
});
