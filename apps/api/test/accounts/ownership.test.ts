import t from 'tap';
import { startTestHerald } from '../helpers/herald.js';
import { specifyOwnership } from '../helpers/ownership.js';

/** The shared ownership rules, for the first owned resource type: a user's own account. */

const herald = await startTestHerald(t);

await specifyOwnership(t, herald, 'user', async (owner) => ({
  changes: [{ method: 'PATCH', url: `/api/v1/users/${owner.id}`, body: { display_name: 'Changed by its owner' } }],
  read: async () => (await herald.request({ method: 'GET', url: `/api/v1/users/${owner.id}`, as: 'anonymous' })).json(),
}));

t.test('changing an account that does not exist is a 404', async (t) => {
  const user = await herald.signUp();
  const response = await herald.request({ method: 'PATCH', url: '/api/v1/users/01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b', as: user.accessToken, body: { display_name: 'x' } });
  t.equal(response.statusCode, 404);
});
