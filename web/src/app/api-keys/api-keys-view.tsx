'use client';

import { useCallback, useEffect, useState } from 'react';
import { Alert } from '../../components/alert';
import { Loading } from '../../components/loading';
import { RequireAuth } from '../../components/require-auth';
import { api } from '../../lib/api-client';
import type { ApiKey, CreatedApiKey, Profile } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';
import { useProfileUpdates } from '../../lib/use-profile-updates';
import { ApiKeyList } from './api-key-list';
import { CreateApiKeyForm } from './create-api-key-form';
import { NewKeyNotice } from './new-key-notice';

export function ApiKeysView() {
  return <RequireAuth>{() => <ApiKeys />}</RequireAuth>;
}

function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  // Whether the account confirms with a password or an emailed code (creating a key asks for it).
  const [account, setAccount] = useState<Profile | null>(null);
  // Read again by the API client when a proof is refused because the account changed elsewhere.
  useProfileUpdates(setAccount);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const load = useAction();

  const refresh = useCallback(
    () =>
      load.run(async () => {
        const [listed, profile] = await Promise.all([api.apiKeys(), api.profile()]);
        setKeys(listed);
        setAccount(profile);
      }),
    [load.run],
  );

  useEffect(() => {
    void refresh();
  }, [refresh]);

  function onCreated(key: CreatedApiKey) {
    const { key: _secret, ...listed } = key;
    setCreated(key);
    setKeys((current) => [listed, ...(current ?? [])]);
  }

  return (
    <>
      <h1>API keys</h1>
      <p>
        Keys let scripts and services call the API with an <code>X-API-KEY</code> header instead of signing
        in.
      </p>
      {/* Keyed by the key: a second new key starts uncopied, not with the first one's "Copied". */}
      {created && <NewKeyNotice key={created.id} created={created} onDone={() => setCreated(null)} />}
      <section className="card" aria-labelledby="create-key-heading">
        <h2 id="create-key-heading">Create a key</h2>
        {account ? (
          <CreateApiKeyForm account={account} onCreated={onCreated} />
        ) : (
          load.pending && <Loading label="Loading…" />
        )}
      </section>
      <section className="card" aria-labelledby="keys-heading" aria-busy={load.pending}>
        <h2 id="keys-heading">Your keys</h2>
        {load.error && <Alert kind="error">{load.error.message}</Alert>}
        {keys === null ? (
          load.pending && <Loading label="Loading API keys…" />
        ) : (
          <ApiKeyList
            keys={keys}
            onRevoked={(id) => setKeys((current) => current?.filter((k) => k.id !== id) ?? null)}
          />
        )}
      </section>
    </>
  );
}
