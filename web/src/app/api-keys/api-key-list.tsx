'use client';

import { useEffect, useId, useState } from 'react';
import { Alert } from '../../components/alert';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { ApiKey } from '../../lib/api-types';
import { formatDate } from '../../lib/format';
import { useAction } from '../../lib/use-action';

export function ApiKeyList({ keys, onRevoked }: { keys: ApiKey[]; onRevoked: (id: string) => void }) {
  const { run, error } = useAction();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  // The pressed button gives way to its confirmation and back: keyboard focus follows it (and,
  // once a key is revoked and its row gone, goes to the list) rather than to the top of the page.
  const [focusId, setFocusId] = useState<string | null>(null);
  const ids = useId();
  useEffect(() => {
    if (focusId) document.getElementById(focusId)?.focus();
  }, [focusId]);

  function confirm(id: string | null, back?: string) {
    setConfirming(id);
    setFocusId(id ? `${ids}-yes-${id}` : back ? `${ids}-revoke-${back}` : null);
  }

  async function revoke(key: ApiKey) {
    setRevoking(key.id);
    const ok = await run(() => api.revokeApiKey(key.id));
    setRevoking(null);
    setConfirming(null);
    setFocusId(ok ? `${ids}-list` : `${ids}-revoke-${key.id}`);
    if (ok) onRevoked(key.id);
  }

  if (keys.length === 0)
    return (
      <p id={`${ids}-list`} tabIndex={-1} className="empty">
        No API keys yet. Create one above when a script needs access.
      </p>
    );
  return (
    <>
      {error && <Alert kind="error">{error.message}</Alert>}
      <ul id={`${ids}-list`} tabIndex={-1} className="list" aria-label="API keys">
        {keys.map((key) => (
          <li key={key.id}>
            <div>
              <strong>{key.name}</strong> <code>{key.prefix}…</code>
              <p className="meta">
                {key.scopes.length > 0 ? `Scopes: ${key.scopes.join(', ')}` : 'No scopes'} · created{' '}
                {formatDate(key.createdAt)} · last used {formatDate(key.lastUsedAt)}
              </p>
            </div>
            {confirming === key.id ? (
              <div className="actions">
                <SubmitButton
                  id={`${ids}-yes-${key.id}`}
                  type="button"
                  variant="danger"
                  pending={revoking === key.id}
                  pendingLabel="Revoking…"
                  onClick={() => revoke(key)}
                >
                  Revoke {key.name}
                </SubmitButton>
                <button
                  type="button"
                  className="button button-secondary"
                  onClick={() => confirm(null, key.id)}
                >
                  Cancel
                </button>
              </div>
            ) : (
              <button
                id={`${ids}-revoke-${key.id}`}
                type="button"
                className="button button-danger"
                aria-label={`Revoke ${key.name}`}
                onClick={() => confirm(key.id)}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
