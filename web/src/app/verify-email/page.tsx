import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Loading } from '../../components/loading';
import { VerifyEmail } from './verify-email';

export const metadata: Metadata = { title: 'Confirm your email' };

export default function VerifyEmailPage() {
  return (
    <Suspense fallback={<Loading />}>
      <VerifyEmail />
    </Suspense>
  );
}
