'use client';

import { useCallback, useRef, useState } from 'react';
import { ApiError } from './api-client';
import { messageFor } from './error-messages';
import { PasskeyPromptError } from './passkeys';
import { UploadError } from './upload';

export interface ActionError {
  code: string;
  message: string;
  fieldErrors: Readonly<Record<string, string>>;
}

/** The message to show for anything an action threw. */
export function toActionError(error: unknown): ActionError {
  if (error instanceof ApiError) {
    return { code: error.code, message: error.message, fieldErrors: error.fieldErrors };
  }
  if (error instanceof UploadError || error instanceof PasskeyPromptError)
    return { code: error.code, message: messageFor(error.code), fieldErrors: {} };
  return { code: 'UNKNOWN', message: messageFor('UNKNOWN'), fieldErrors: {} };
}

/**
 * Runs one async action at a time for a form or button: `pending` while it runs, `error` with the
 * message for the API's code when it fails. `run` resolves to whether the action succeeded.
 */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ActionError | null>(null);
  const running = useRef(false);

  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    if (running.current) return false;
    running.current = true;
    setPending(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(toActionError(caught));
      return false;
    } finally {
      running.current = false;
      setPending(false);
    }
  }, []);

  return { run, pending, error, setError };
}
