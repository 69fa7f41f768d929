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

type PresetProps = Omit<FieldProps, 'label' | 'name'> & { label?: string; name?: string };

/** An email address as the API accepts it (its `EmailSchema`: at most 320 characters). */
export function EmailField(props: PresetProps) {
  return (
    <Field label="Email" name="email" type="email" autoComplete="email" required maxLength={320} {...props} />
  );
}

/** A new password within the API's limits (its `PasswordSchema`: 8 to 128 characters). */
export function NewPasswordField(props: PresetProps) {
  return (
    <Field
      label="New password"
      name="password"
      type="password"
      autoComplete="new-password"
      required
      minLength={8}
      maxLength={128}
      {...props}
    />
  );
}
