/**
 * Sign-in and the stated purpose. A sign-in link carries the bearer token in the URL fragment (`#token=…`,
 * which browsers never send to a server); the console moves it into session storage at once and removes it
 * from the address bar and history. The token is gone when the tab closes.
 */
const TOKEN_KEY = 'relief-hub.token';
const PURPOSE_KEY = 'relief-hub.purpose';

export interface Claims {
  role: 'CASEWORKER' | 'PLATFORM' | 'CHARITY' | 'AUDITOR' | 'SOURCE_SYSTEM';
  sub?: string;
  agency?: string;
  county?: string;
  exp?: number;
}

/** Takes a token out of the fragment, if any, into session storage; the address bar keeps no trace of it. */
export function absorbSignInLink(): void {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]!));
  sessionStorage.removeItem(PURPOSE_KEY);
  history.replaceState(null, '', location.pathname);
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signIn(raw: string): Claims | null {
  const value = raw.trim().replace(/^Bearer\s+/i, '');
  const claims = decodeClaims(value);
  if (!claims) return null;
  sessionStorage.setItem(TOKEN_KEY, value);
  sessionStorage.removeItem(PURPOSE_KEY);
  return claims;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(PURPOSE_KEY);
}

/** The token's claims as the hub reads them (the hub verifies the signature; this only decides what to show). */
export function decodeClaims(value: string | null = token()): Claims | null {
  if (!value) return null;
  const part = value.split('.')[1];
  if (!part) return null;
  try {
    const json = new TextDecoder().decode(Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as Claims;
    if (!claims.role) return null;
    if (claims.exp && claims.exp * 1000 < Date.now()) return null;
    return claims;
  } catch {
    return null;
  }
}

export function purpose(): string | null {
  return sessionStorage.getItem(PURPOSE_KEY);
}

export function setPurpose(text: string): void {
  sessionStorage.setItem(PURPOSE_KEY, text.trim());
}
