import { type InputHTMLAttributes, type Ref, useId } from 'react';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  /** A problem with this field (from the API's VALIDATION_FAILED issues). */
  error?: string;
  hint?: string;
  multiline?: boolean;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled input with its hint and error wired to it for screen readers. */
export function Field({ label, error, hint, multiline, id, ref, ...input }: FieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const common = { id: inputId, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined };
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      {multiline ? (
        <textarea
          {...common}
          name={input.name}
          defaultValue={input.defaultValue}
          maxLength={input.maxLength}
          rows={4}
          disabled={input.disabled}
        />
      ) : (
        <input ref={ref} {...common} {...input} />
      )}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
