import { useEffect, useState, type FormEvent } from 'react';
import { SignInError, type AuthSession, type SignedOutReason } from '../auth/session.js';

interface SignInProps {
  session: AuthSession;
  /** Why the form is shown again, if it is not the first time. */
  reason: SignedOutReason | undefined;
}

interface Failure {
  kind: SignInError['kind'];
  message: string;
  /** For too many attempts: when the next one may succeed (ms since the epoch). */
  retryAt: number | undefined;
}

const NOTICES: Record<SignedOutReason, string> = {
  'signed-out': 'You are signed out.',
  expired: 'Your session has ended. Sign in again to continue.',
};

/** Seconds left until `retryAt`, ticking once a second while there are any. */
function useSecondsUntil(retryAt: number | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (retryAt === undefined) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [retryAt]);
  return retryAt === undefined ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
}

function rateLimitText(failure: Failure, secondsLeft: number): string {
  if (failure.retryAt === undefined) return `${failure.message} Wait a moment before trying again.`;
  if (secondsLeft === 0) return `${failure.message} You can try again now.`;
  const at = new Date(failure.retryAt).toLocaleTimeString();
  return `${failure.message} Try again in ${secondsLeft} s (at ${at}).`;
}

/** The sign-in form: handle and password, exchanged for tokens kept in memory only. */
export function SignIn({ session, reason }: SignInProps) {
  const [handle, setHandle] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();
  const secondsLeft = useSecondsUntil(failure?.retryAt);
  const waiting = failure?.kind === 'rate-limited' && secondsLeft > 0;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending || waiting) return;
    setPending(true);
    setFailure(undefined);
    try {
      await session.signIn(handle, password);
      // Signed in: this form is replaced by the dashboard.
    } catch (error) {
      const known = error instanceof SignInError ? error : new SignInError('unavailable', 'Signing in failed. Try again in a moment.');
      const retryAt = known.retryAfterSeconds !== undefined ? Date.now() + known.retryAfterSeconds * 1000 : undefined;
      setFailure({ kind: known.kind, message: known.message, retryAt });
      setPassword('');
      setPending(false);
    }
  }

  return (
    <div className="sign-in-page">
      <form className="sign-in" data-testid="sign-in-form" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <div>
            <h1 id="sign-in-title">Herald</h1>
            <p className="sign-in-sub">Sign in to the live dashboard</p>
          </div>
        </div>
        {reason && !failure && (
          <p className="sign-in-notice" data-testid="sign-in-notice" data-reason={reason}>
            {NOTICES[reason]}
          </p>
        )}
        <label className="sign-in-field">
          <span>Handle</span>
          <input
            name="handle"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            autoFocus
            value={handle}
            onChange={(e) => setHandle(e.target.value)}
          />
        </label>
        <label className="sign-in-field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {failure && (
          <p className="sign-in-error" role="alert" data-testid="sign-in-error" data-kind={failure.kind}>
            {failure.kind === 'rate-limited' ? rateLimitText(failure, secondsLeft) : failure.message}
          </p>
        )}
        <button type="submit" className="sign-in-submit" disabled={pending || waiting}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="sign-in-hint">
          The dashboard keeps your session in this page's memory only, never in the browser's storage: after a reload, you sign in
          again.
        </p>
      </form>
    </div>
  );
}
