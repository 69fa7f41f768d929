'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { Alert } from '../../components/alert';
import { EmailField, Field, NewPasswordField } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import { useAction } from '../../lib/use-action';

export function SignUpForm() {
  const router = useRouter();
  const { run, pending, error } = useAction();
  const [checkEmail, setCheckEmail] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    await run(async () => {
      const user = await api.register({
        email,
        username: String(form.get('username')),
        password: String(form.get('password')),
      });
      // No user: the API requires a confirmed email before the first sign-in.
      if (user) router.push('/profile');
      else setCheckEmail(email);
    });
  }

  if (checkEmail) {
    return (
      <section className="card narrow">
        <h1>Check your email</h1>
        <Alert kind="success">
          We sent a confirmation link to <strong>{checkEmail}</strong>. Open it to finish creating your
          account.
        </Alert>
        <p>
          Your account exists only once you open the link: until then you cannot sign in. Opening it asks for
          the password you just chose. If the link expires or gets lost, simply sign up again.
        </p>
        <button type="button" className="button button-secondary" onClick={() => setCheckEmail(null)}>
          Sign up again
        </button>
      </section>
    );
  }

  return (
    <section className="card narrow">
      <h1>Create an account</h1>
      {error && <Alert kind="error">{error.message}</Alert>}
      <form method="post" onSubmit={onSubmit} noValidate={false}>
        <EmailField error={error?.fieldErrors.email} />
        <Field
          label="Username"
          name="username"
          autoComplete="username"
          required
          minLength={3}
          maxLength={32}
          pattern="[a-zA-Z0-9_.\-]{3,32}"
          hint="3–32 letters, digits, _, . or -. Shown on your public profile."
          error={error?.fieldErrors.username}
        />
        <NewPasswordField
          label="Password"
          hint="At least 8 characters; common passwords are refused."
          error={error?.fieldErrors.password}
        />
        <SubmitButton pending={pending} pendingLabel="Creating your account…">
          Create account
        </SubmitButton>
      </form>
      <p className="divider">
        Already have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
