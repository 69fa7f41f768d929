import type { Metadata } from 'next';
import { AdminUsersView } from './admin-users-view';

export const metadata: Metadata = { title: 'Users' };

export default function AdminPage() {
  return <AdminUsersView />;
}
