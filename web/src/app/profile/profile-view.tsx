'use client';

import { useEffect, useState } from 'react';
import { Alert } from '../../components/alert';
import { Loading } from '../../components/loading';
import { RequireAuth } from '../../components/require-auth';
import { api } from '../../lib/api-client';
import type { AuthUser, Profile } from '../../lib/api-types';
import { PASSWORD_SET_ELSEWHERE } from '../../lib/error-messages';
import { type ActionError, toActionError } from '../../lib/use-action';
import { useProfileUpdates } from '../../lib/use-profile-updates';
import { AvatarUploader } from './avatar-uploader';
import { ChangeEmailForm } from './change-email-form';
import { ChangePasswordForm } from './change-password-form';
import { DeleteAccountForm } from './delete-account-form';
import { Passkeys } from './passkeys';
import { ProfileForm } from './profile-form';
import { SetPasswordForm } from './set-password-form';
import { TwoStepSignIn } from './two-step-sign-in';
import { VerifyNotice } from './verify-notice';

export function ProfileView() {
  return <RequireAuth>{(user) => <ProfileSections user={user} />}</RequireAuth>;
}

function ProfileSections({ user }: { user: AuthUser }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<ActionError | null>(null);
  const [passwordSet, setPasswordSet] = useState(false);
  // Whether the account had no password when the page loaded: if it has one later without this
  // page's "Set password" (set in another tab), "Change password" says where it came from.
  const [loadedWithoutPassword, setLoadedWithoutPassword] = useState(false);
  // The forms below decide from `profile` which proof to ask for: it follows the API client's
  // every read, e.g. the one after a refusal that says the account changed elsewhere.
  useProfileUpdates(setProfile);

  useEffect(() => {
    let active = true;
    api.profile().then(
      (loaded) => {
        if (!active) return;
        setProfile(loaded);
        setLoadedWithoutPassword(!loaded.hasPassword);
      },
      (caught: unknown) => active && setError(toActionError(caught)),
    );
    return () => {
      active = false;
    };
  }, []);

  return (
    <>
      <h1>Your profile</h1>
      {!user.emailVerified && <VerifyNotice email={user.email} />}
      {error && <Alert kind="error">{error.message}</Alert>}
      {!profile && !error && <Loading label="Loading your profile…" />}
      {profile && (
        <>
          <section className="card" aria-labelledby="avatar-heading">
            <h2 id="avatar-heading">Profile picture</h2>
            <AvatarUploader profile={profile} onChange={setProfile} />
          </section>
          <section className="card" aria-labelledby="details-heading">
            <h2 id="details-heading">Details</h2>
            <ProfileForm profile={profile} onSaved={setProfile} />
          </section>
        </>
      )}
      {profile && (
        <section className="card" aria-labelledby="email-heading">
          <h2 id="email-heading">Email address</h2>
          <ChangeEmailForm account={profile} />
        </section>
      )}
      {profile && !profile.hasPassword ? (
        <section className="card" aria-labelledby="password-heading">
          <h2 id="password-heading">Set a password</h2>
          <SetPasswordForm
            account={profile}
            onSet={() => {
              setPasswordSet(true);
              setProfile({ ...profile, hasPassword: true });
            }}
          />
        </section>
      ) : (
        <section className="card" aria-labelledby="password-heading">
          <h2 id="password-heading">Change password</h2>
          {passwordSet ? (
            <Alert kind="success">
              Password set: you can now sign in with it as well as with emailed codes.
            </Alert>
          ) : (
            loadedWithoutPassword && <Alert kind="info">{PASSWORD_SET_ELSEWHERE}</Alert>
          )}
          <ChangePasswordForm />
        </section>
      )}
      {profile && (
        <section className="card" aria-labelledby="passkeys-heading">
          <h2 id="passkeys-heading">Passkeys</h2>
          <Passkeys account={profile} />
        </section>
      )}
      {profile && (
        <section className="card" aria-labelledby="two-step-heading">
          <h2 id="two-step-heading">Two-step sign-in</h2>
          <TwoStepSignIn user={user} account={profile} />
        </section>
      )}
      {profile && (
        <section className="card" aria-labelledby="delete-heading">
          <h2 id="delete-heading">Delete account</h2>
          <DeleteAccountForm account={profile} />
        </section>
      )}
    </>
  );
}
