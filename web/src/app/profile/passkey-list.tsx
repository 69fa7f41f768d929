'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { SubmitButton } from '../../components/submit-button';
import { ApiError, api } from '../../lib/api-client';
import type { Passkey } from '../../lib/api-types';
import { formatDate } from '../../lib/format';
import { useAction } from '../../lib/use-action';
import { RenamePasskeyForm } from './rename-passkey-form';

/**
 * The account's passkeys; "Rename" turns its row into a form for the name (one row at a time),
 * "Remove" asks once more, then the passkey can no longer sign in.
 */
export function PasskeyList({
  passkeys,
  onRenamed,
  onRemoved,
}: {
  passkeys: Passkey[];
  onRenamed: (passkey: Passkey) => void;
  onRemoved: (passkey: Passkey) => void;
}) {
  const { run, error } = useAction();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  // The pressed button gives way to its confirmation (and back): keyboard focus follows it.
  const [focusId, setFocusId] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  // The row whose rename form was open at the last render, to hand focus back to when it closes.
  const renamingBefore = useRef<string | null>(null);
  const ids = useId();

  useEffect(() => {
    if (focusId) document.getElementById(focusId)?.focus();
  }, [focusId]);

  // Leaving the rename form (saved or cancelled) puts keyboard focus back on that row's "Rename";
  // opening another row's form instead leaves focus to that form.
  useEffect(() => {
    if (!renaming && renamingBefore.current)
      document.getElementById(`${ids}-rename-${renamingBefore.current}`)?.focus();
    renamingBefore.current = renaming;
  }, [renaming, ids]);

  /** A save that lands after another row's form was opened leaves that form open. */
  function closeRenameForm(id: string) {
    setRenaming((current) => (current === id ? null : current));
  }

  function confirm(id: string | null, back?: string) {
    setConfirming(id);
    setFocusId(id ? `${ids}-yes-${id}` : back ? `${ids}-remove-${back}` : null);
  }

  async function remove(passkey: Passkey) {
    setRemoving(passkey.id);
    const ok = await run(async () => {
      try {
        await api.removePasskey(passkey.id);
      } catch (caught) {
        // Removed meanwhile (another tab): it is gone either way; the message says so.
        if (caught instanceof ApiError && caught.code === 'PASSKEY_NOT_FOUND') onRemoved(passkey);
        throw caught;
      }
    });
    setRemoving(null);
    confirm(null);
    if (ok) onRemoved(passkey);
  }

  if (passkeys.length === 0) return <p className="empty">No passkeys yet.</p>;
  return (
    <>
      {error && <Alert kind="error">{error.message}</Alert>}
      <ul className="list" aria-label="Passkeys">
        {passkeys.map((passkey) => {
          // Several passkeys may share the default name; the date tells them apart for screen readers.
          const label = `${passkey.name}, added ${formatDate(passkey.createdAt)}`;
          return (
            <li key={passkey.id}>
              <div>
                <strong>{passkey.name}</strong>
                {passkey.backedUp && (
                  <span
                    className="badge"
                    title="Saved in a passkey manager that syncs it to your other devices"
                  >
                    Synced
                  </span>
                )}
                <p className="meta">
                  added {formatDate(passkey.createdAt)} ·{' '}
                  {passkey.lastUsedAt ? `last used ${formatDate(passkey.lastUsedAt)}` : 'never used'}
                </p>
              </div>
              {confirming === passkey.id ? (
                <div className="actions">
                  <SubmitButton
                    id={`${ids}-yes-${passkey.id}`}
                    type="button"
                    variant="danger"
                    pending={removing === passkey.id}
                    pendingLabel="Removing…"
                    aria-label={`Yes, remove ${label}`}
                    onClick={() => remove(passkey)}
                  >
                    Yes, remove it
                  </SubmitButton>
                  <button
                    type="button"
                    className="button button-secondary"
                    onClick={() => confirm(null, passkey.id)}
                  >
                    Cancel
                  </button>
                </div>
              ) : renaming === passkey.id ? (
                <RenamePasskeyForm
                  passkey={passkey}
                  onRenamed={onRenamed}
                  onClose={() => closeRenameForm(passkey.id)}
                />
              ) : (
                <div className="actions">
                  <button
                    id={`${ids}-rename-${passkey.id}`}
                    type="button"
                    className="button button-secondary"
                    aria-label={`Rename passkey ${label}`}
                    onClick={() => setRenaming(passkey.id)}
                  >
                    Rename
                  </button>
                  <button
                    id={`${ids}-remove-${passkey.id}`}
                    type="button"
                    className="button button-danger"
                    aria-label={`Remove ${label}`}
                    onClick={() => confirm(passkey.id)}
                  >
                    Remove
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
