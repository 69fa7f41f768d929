'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { Loading } from '../../components/loading';
import { api } from '../../lib/api-client';
import type { Passkey, Profile } from '../../lib/api-types';
import { passkeysSupported } from '../../lib/passkeys';
import { useAction } from '../../lib/use-action';
import { AddPasskeyForm } from './add-passkey-form';
import { PasskeyList } from './passkey-list';

/**
 * Passkeys (WebAuthn): sign in with the device's fingerprint, face or screen lock instead of a
 * password, with no two-step code. The list comes from the API; adding one asks for the password
 * (or an emailed code) first, like the two-step sign-in changes.
 */
export function Passkeys({ account }: { account: Pick<Profile, 'email' | 'hasPassword'> }) {
  const [passkeys, setPasskeys] = useState<Passkey[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // Known only in the browser: the server renders without the "Add" button, so hydration matches.
  const [supported, setSupported] = useState<boolean | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const load = useAction();

  const refresh = useCallback(() => load.run(async () => setPasskeys(await api.passkeys())), [load.run]);

  useEffect(() => {
    setSupported(passkeysSupported());
    void refresh();
  }, [refresh]);

  // Leaving the form (added or cancelled) puts keyboard focus back on "Add a passkey".
  useEffect(() => {
    if (!adding && returnFocus.current) addButton.current?.focus();
    returnFocus.current = false;
  }, [adding]);

  function closeForm() {
    returnFocus.current = true;
    setAdding(false);
  }

  function onAdded(passkey: Passkey) {
    setPasskeys((current) => [passkey, ...(current ?? []).filter((p) => p.id !== passkey.id)]);
    setNotice(
      `Passkey “${passkey.name}” added. Next time choose “Sign in with a passkey” on the sign-in page.`,
    );
    closeForm();
  }

  function onRenamed(passkey: Passkey) {
    setPasskeys((current) => current?.map((p) => (p.id === passkey.id ? passkey : p)) ?? null);
    setNotice(`Renamed to “${passkey.name}”.`);
  }

  function onRemoved(passkey: Passkey) {
    setPasskeys((current) => current?.filter((p) => p.id !== passkey.id) ?? null);
    setNotice(`Passkey “${passkey.name}” removed: it can no longer sign in to your account.`);
  }

  return (
    <>
      <p>
        Sign in with your fingerprint, face or screen lock instead of your password. A passkey stays on your
        device or in your password manager, cannot be phished, and skips the two-step code.
      </p>
      {load.error && <Alert kind="error">{load.error.message}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      <div aria-busy={load.pending}>
        {passkeys === null ? (
          load.pending && <Loading label="Loading your passkeys…" />
        ) : (
          <PasskeyList passkeys={passkeys} onRenamed={onRenamed} onRemoved={onRemoved} />
        )}
      </div>
      {adding ? (
        <AddPasskeyForm account={account} onAdded={onAdded} onCancel={closeForm} />
      ) : supported === false ? (
        <p className="hint">This browser cannot create passkeys. Add one from a browser that can.</p>
      ) : (
        supported && (
          <div className="actions">
            <button
              ref={addButton}
              type="button"
              className="button button-secondary"
              onClick={() => {
                setNotice(null);
                setAdding(true);
              }}
            >
              Add a passkey
            </button>
          </div>
        )
      )}
    </>
  );
}
