import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Loading } from '../../../components/loading';
import { EmailCodeForm } from './email-code-form';

export const metadata: Metadata = { title: 'Sign in with an email code' };

export default function EmailCodePage() {
  return (
    <Suspense fallback={<Loading />}>
      <EmailCodeForm />
    </Suspense>
  );
}
