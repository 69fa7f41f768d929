'use client';

import { useState } from 'react';
import { Alert } from '../../components/alert';
import type { CreatedApiKey } from '../../lib/api-types';

/** The new key, shown once: the API keeps only its hash. */
export function NewKeyNotice({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      // Clipboard access denied (or not a secure context): the key stays selectable on screen.
    }
  }

  return (
    <Alert kind="success" focus>
      <p style={{ margin: 0 }}>
        Your new key <strong>{created.name}</strong>. Copy it now:{' '}
        <strong>it will not be shown again.</strong>
      </p>
      <code className="secret" data-testid="new-api-key">
        {created.key}
      </code>
      <div className="actions">
        <button type="button" className="button button-secondary" onClick={copy}>
          {copied ? 'Copied' : 'Copy key'}
        </button>
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </Alert>
  );
}
