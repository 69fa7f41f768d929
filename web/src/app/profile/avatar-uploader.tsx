'use client';

import { type ChangeEvent, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { api } from '../../lib/api-client';
import type { Profile } from '../../lib/api-types';
import { messageFor } from '../../lib/error-messages';
import { uploadToStorage } from '../../lib/upload';
import { useAction } from '../../lib/use-action';

/** What the API accepts for purpose "avatar" (api/src/files/file-purposes.ts); checked here to fail fast. */
const AVATAR_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];
const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

type Stage = 'idle' | 'preparing' | 'uploading' | 'saving';

const stageLabels: Record<Exclude<Stage, 'idle'>, string> = {
  preparing: 'Preparing the upload…',
  uploading: 'Uploading',
  saving: 'Saving your new picture…',
};

/**
 * Uploads straight to storage: the API hands out a presigned URL for this exact type and size,
 * the browser sends the bytes there (S3 on AWS), then the API checks the object and the profile
 * points at it.
 */
export function AvatarUploader({
  profile,
  onChange,
}: {
  profile: Profile;
  onChange: (profile: Profile) => void;
}) {
  const { run, error, setError } = useAction();
  const [stage, setStage] = useState<Stage>('idle');
  const [progress, setProgress] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    if (!AVATAR_TYPES.includes(file.type)) return reject('FILE_TYPE_NOT_ALLOWED');
    if (file.size > AVATAR_MAX_BYTES) return reject('FILE_TOO_LARGE');
    setProgress(0);
    await run(async () => {
      try {
        setStage('preparing');
        const created = await api.createUpload('avatar', file);
        setStage('uploading');
        await uploadToStorage(created.upload, file, setProgress);
        setStage('saving');
        await api.completeUpload(created.fileId);
        onChange(await api.updateProfile({ avatarFileId: created.fileId }));
      } finally {
        setStage('idle');
        if (input.current) input.current.value = '';
      }
    });
  }

  function reject(code: string) {
    setError({ code, message: messageFor(code), fieldErrors: {} });
    if (input.current) input.current.value = '';
  }

  const name = profile.displayName ?? profile.username;
  const busy = stage !== 'idle';
  return (
    <>
      {error && <Alert kind="error">{error.message}</Alert>}
      <div className="avatar-row">
        {profile.avatarUrl ? (
          // biome-ignore lint/performance/noImgElement: the avatar lives in S3 or the API's storage, outside next/image's optimiser.
          <img className="avatar" src={profile.avatarUrl} alt={`Avatar of ${name}`} width={96} height={96} />
        ) : (
          <div className="avatar" role="img" aria-label="No profile picture yet">
            {name.slice(0, 1).toUpperCase()}
          </div>
        )}
        <div className="field" style={{ flex: '1 1 14rem' }}>
          <label htmlFor="avatar-file">{profile.avatarUrl ? 'Change picture' : 'Add a picture'}</label>
          <input
            ref={input}
            id="avatar-file"
            type="file"
            accept={AVATAR_TYPES.join(',')}
            onChange={onFile}
            disabled={busy}
            aria-describedby="avatar-hint"
          />
          <p className="hint" id="avatar-hint">
            JPEG, PNG, WebP or GIF, up to 5 MB.
          </p>
        </div>
      </div>
      {busy && (
        <div className="progress" role="status">
          <span>
            {stageLabels[stage]}
            {stage === 'uploading' && ` ${Math.round(progress * 100)}%`}
          </span>
          <progress
            aria-label="Upload progress"
            max={1}
            value={stage === 'preparing' ? 0 : stage === 'saving' ? 1 : progress}
          />
        </div>
      )}
    </>
  );
}
