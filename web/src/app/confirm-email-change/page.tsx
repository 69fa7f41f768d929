import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Loading } from '../../components/loading';
import { ConfirmEmailChange } from './confirm-email-change';

export const metadata: Metadata = { title: 'Confirm your new email' };

export default function ConfirmEmailChangePage() {
  return (
    <Suspense fallback={<Loading />}>
      <ConfirmEmailChange />
    </Suspense>
  );
}
