import type { ActionError } from '../lib/use-action';
import { Alert } from './alert';
import { SubmitButton } from './submit-button';

interface NextPageButtonProps {
  /** Whether the API answered a `nextCursor` for the page shown last. */
  hasMore: boolean;
  pending: boolean;
  /** Why loading the next page failed, shown above the button so it can be pressed again. */
  error: ActionError | null;
  label: string;
  pendingLabel: string;
  onLoad: () => void;
}

/** The end of a cursor-paged list: the next page's button while there is one, and its error. */
export function NextPageButton({
  hasMore,
  pending,
  error,
  label,
  pendingLabel,
  onLoad,
}: NextPageButtonProps) {
  return (
    <>
      {error && <Alert kind="error">{error.message}</Alert>}
      {hasMore && (
        <div className="actions">
          <SubmitButton
            type="button"
            variant="secondary"
            pending={pending}
            pendingLabel={pendingLabel}
            onClick={onLoad}
          >
            {label}
          </SubmitButton>
        </div>
      )}
    </>
  );
}
