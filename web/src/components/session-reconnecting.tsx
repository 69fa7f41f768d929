'use client';

import { useState } from 'react';
import { api } from '../lib/api-client';
import { toActionError } from '../lib/use-action';
import { Alert } from './alert';

/**
 * Shown instead of a page while the session from an earlier visit cannot be restored because the
 * API does not answer: the person is still signed in, and the client retries by itself (with
 * backoff), so this says so and offers not to wait.
 */
export function SessionReconnecting({ message }: { message: string }) {
  const [trying, setTrying] = useState(false);
  // The reason of the latest try; the first comes from the page load.
  const [latest, setLatest] = useState(message);

  async function tryNow() {
    setTrying(true);
    try {
      // Success reaches the page through the session listeners (it becomes signed in).
      await api.restore();
    } catch (caught) {
      setLatest(toActionError(caught).message);
    } finally {
      setTrying(false);
    }
  }

  return (
    <section className="card narrow">
      <h1>Reconnecting…</h1>
      <Alert kind="info">
        You are still signed in, but your session could not be restored yet: {latest} This page tries again by
        itself and carries on as soon as CloudNest answers.
      </Alert>
      <p className="actions">
        <button type="button" className="button button-secondary" onClick={tryNow} disabled={trying}>
          {trying ? 'Trying…' : 'Try again now'}
        </button>
      </p>
    </section>
  );
}
