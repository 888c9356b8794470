import { useSyncExternalStore } from 'react';
import type { AuthSession, AuthState } from './session.js';

/** The session's state, re-rendering on every change (sign-in, sign-out, expiry, profile). */
export function useAuthState(session: AuthSession): AuthState {
  return useSyncExternalStore(session.subscribe, () => session.state);
}
