'use client';

import { useState } from 'react';
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

  async function revoke(key: ApiKey) {
    setRevoking(key.id);
    const ok = await run(() => api.revokeApiKey(key.id));
    setRevoking(null);
    setConfirming(null);
    if (ok) onRevoked(key.id);
  }

  if (keys.length === 0)
    return <p className="empty">No API keys yet. Create one above when a script needs access.</p>;
  return (
    <>
      {error && <Alert kind="error">{error.message}</Alert>}
      <ul className="list" aria-label="API keys">
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
                  type="button"
                  variant="danger"
                  pending={revoking === key.id}
                  pendingLabel="Revoking…"
                  onClick={() => revoke(key)}
                >
                  Revoke {key.name}
                </SubmitButton>
                <button type="button" className="button button-secondary" onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </div>
            ) : (
              <button
                type="button"
                className="button button-danger"
                aria-label={`Revoke ${key.name}`}
                onClick={() => setConfirming(key.id)}
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
