import { useCallback } from 'react';
import { App } from './App.js';
import { requestStreamTicket } from './api/client.js';
import type { AuthSession } from './auth/session.js';
import { useAuthState } from './auth/useAuthState.js';
import { SignIn } from './components/SignIn.js';
import { ApiFetchContext } from './hooks/useApiFetch.js';

/** The sign-in form until signed in, then the dashboard, whose every API call carries the token. */
export function Root({ session }: { session: AuthSession }) {
  const auth = useAuthState(session);
  const streamTicket = useCallback(async () => (await requestStreamTicket(session.fetch)).ticket, [session]);
  const signOut = useCallback(() => void session.signOut(), [session]);

  if (auth.status === 'signed-out') return <SignIn session={session} reason={auth.reason} />;
  return (
    <ApiFetchContext.Provider value={session.fetch}>
      <App user={auth.user} onSignOut={signOut} streamTicket={streamTicket} />
    </ApiFetchContext.Provider>
  );
}
