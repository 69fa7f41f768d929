'use client';

import { useEffect } from 'react';
import { api } from './api-client';
import type { Profile } from './api-types';

/**
 * Keeps a page's copy of the signed-in account's profile current: `onProfile` (a state setter, or
 * another stable function) hears every profile the API client reads or saves while the page is
 * shown. The client reads it again when a form's proof is refused because the account changed
 * elsewhere, and when the tab is looked at again (`ApiClient.subscribeProfile`), so the page's
 * forms ask for the proof the account takes now without a reload.
 */
export function useProfileUpdates(onProfile: (profile: Profile) => void): void {
  useEffect(() => api.subscribeProfile(onProfile), [onProfile]);
}
