import type { ButtonHTMLAttributes, Ref } from 'react';

interface SubmitButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  pending: boolean;
  /** Shown while pending. */
  pendingLabel: string;
  variant?: 'primary' | 'secondary' | 'danger';
  ref?: Ref<HTMLButtonElement>;
}

/** A button that says what it is doing and cannot be pressed twice. */
export function SubmitButton({
  pending,
  pendingLabel,
  variant = 'primary',
  children,
  type = 'submit',
  ...button
}: SubmitButtonProps) {
  return (
    <button
      {...button}
      type={type}
      className={`button button-${variant}`}
      disabled={pending || button.disabled}
      aria-busy={pending || undefined}
    >
      {pending ? pendingLabel : children}
    </button>
  );
}
