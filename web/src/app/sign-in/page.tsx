import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Loading } from '../../components/loading';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <Suspense fallback={<Loading />}>
      <SignInForm />
    </Suspense>
  );
}
