'use client';

import { useState } from 'react';
import { Alert } from '../../components/alert';

/** The recovery codes, shown once: the API keeps only their hashes. */
export function RecoveryCodesNotice({
  codes,
  justTurnedOn,
  onDone,
}: {
  codes: string[];
  /** Two-step sign-in was just turned on (which signed out the other devices). */
  justTurnedOn: boolean;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState(false);

  async function copy() {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied(true);
    } catch {
      // Clipboard access denied (or not a secure context): the codes stay selectable on screen.
    }
  }

  return (
    <Alert kind="success" focus>
      {justTurnedOn ? (
        <p style={{ marginTop: 0 }}>
          Two-step sign-in is on. Your other devices were signed out; signing in there now asks for a code
          from your authenticator app.
        </p>
      ) : (
        <p style={{ marginTop: 0 }}>Your new recovery codes; the previous ones no longer work.</p>
      )}
      <p>
        If you lose your phone, each of these codes signs you in once instead of the app. Store them somewhere
        safe, such as a password manager: <strong>they will not be shown again.</strong>
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" className="button button-secondary" onClick={copy}>
          {copied ? 'Copied' : 'Copy codes'}
        </button>
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </Alert>
  );
}
