'use client';

import { type ReactNode, useEffect, useRef } from 'react';

interface AlertProps {
  kind: 'error' | 'success' | 'info';
  children: ReactNode;
  /** Move keyboard focus here when shown (after a failed submit). @default true for errors */
  focus?: boolean;
}

/** A message box; errors are announced and take focus so keyboard users land on them. */
export function Alert({ kind, children, focus = kind === 'error' }: AlertProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <div
      ref={ref}
      className={`alert alert-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      tabIndex={focus ? -1 : undefined}
    >
      {children}
    </div>
  );
}
