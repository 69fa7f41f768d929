/** Where to go after signing in: only paths of this site (no `//evil.example` open redirect). */
export function safeNext(next: string | null, fallback = '/profile'): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}
