'use client';

import type { FormEvent } from 'react';
import { IdentityProofFields, identityProofFrom } from '../../components/identity-proof-fields';
import { SubmitButton } from '../../components/submit-button';
import type { IdentityProof, Profile } from '../../lib/api-types';

/** The two-step sign-in changes the API guards with re-authentication. */
export type IdentityCheck = 'turn-on' | 'new-recovery-codes' | 'turn-off';

const wording: Record<
  IdentityCheck,
  { why: string; hint?: string; submit: string; variant: 'secondary' | 'danger' }
> = {
  'turn-on': { why: 'This changes how you sign in', submit: 'Continue', variant: 'secondary' },
  'new-recovery-codes': {
    why: 'Recovery codes get past the second step',
    hint: 'Your current recovery codes stop working.',
    submit: 'Create new recovery codes',
    variant: 'secondary',
  },
  'turn-off': {
    why: 'Turning it off makes your password or email enough to sign in',
    submit: 'Turn off two-step sign-in',
    variant: 'danger',
  },
};

/** "Confirm it is you" before a two-step sign-in change: the password, or an emailed code. */
export function IdentityCheckForm({
  account,
  check,
  pending,
  fieldErrors,
  onConfirmed,
  onCancel,
}: {
  account: Pick<Profile, 'email' | 'hasPassword'>;
  check: IdentityCheck;
  pending: boolean;
  fieldErrors?: Readonly<Record<string, string>>;
  onConfirmed: (proof: IdentityProof) => void;
  onCancel: () => void;
}) {
  const { why, hint, submit, variant } = wording[check];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onConfirmed(identityProofFrom(new FormData(event.currentTarget), account));
  }

  return (
    <form method="post" onSubmit={onSubmit} aria-label="Confirm it is you">
      {hint && <p className="hint">{hint}</p>}
      <IdentityProofFields account={account} why={why} fieldErrors={fieldErrors} />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Checking…" variant={variant}>
          {submit}
        </SubmitButton>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
