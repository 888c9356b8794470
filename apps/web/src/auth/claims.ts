/**
 * The claims of an access token, read for display only (who is signed in, and as what). The
 * dashboard never trusts them: the API verifies every token it receives.
 */
export interface AccessClaims {
  sub?: string;
  role?: string;
  handle?: string;
  exp?: number;
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The payload of a JWT; an empty object when the token is not one. */
export function readClaims(token: string): AccessClaims {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const value = JSON.parse(base64UrlDecode(payload)) as unknown;
    return value && typeof value === 'object' ? (value as AccessClaims) : {};
  } catch {
    return {};
  }
}
