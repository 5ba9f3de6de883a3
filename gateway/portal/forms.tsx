import type { ComponentChildren } from 'preact';
import type { FieldIssue } from '../../specs/issues.js';

/** Form problems by field name, as the form shows them next to each field. */
export type FieldErrors = Record<string, string>;

/** Maps problem-details issues (JSON pointers into the API body) to form field names: the pointer's last part. */
export function fieldErrors(issues: readonly FieldIssue[], names: Record<string, string> = {}): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const last = i.path.split('/').filter(Boolean).at(-1) ?? '';
    const name = names[i.path] ?? last;
    if (!out[name]) out[name] = [i.message, i.fix].filter(Boolean).join('. ');
  }
  return out;
}

/** A labelled USWDS text field with its error message (linked by aria-describedby) when it has one. */
export function Field(p: {
  name: string;
  label: string;
  value?: string | undefined;
  error?: string | undefined;
  hint?: string;
  type?: 'text' | 'date';
  required?: boolean;
  autocomplete?: string;
  inputmode?: 'numeric' | 'text';
}) {
  const id = `f-${p.name}`;
  const described = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`usa-form-group${p.error ? ' usa-form-group--error' : ''}`}>
      <label class={`usa-label${p.error ? ' usa-label--error' : ''}`} for={id}>
        {p.label}
      </label>
      {p.hint ? (
        <div class="usa-hint" id={`${id}-hint`}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <span class="usa-error-message" id={`${id}-error`} role="alert">
          {p.error}
        </span>
      ) : null}
      <input
        class={`usa-input${p.error ? ' usa-input--error' : ''}`}
        id={id}
        name={p.name}
        // One type at a time for preact's input typing; the union is only this component's parameter.
        type={(p.type ?? 'text') as 'text'}
        value={p.value ?? ''}
        required={p.required}
        autocomplete={p.autocomplete ?? 'off'}
        inputMode={p.inputmode}
        aria-describedby={described || undefined}
        aria-invalid={p.error ? 'true' : undefined}
      />
    </div>
  );
}

/** A labelled USWDS select. */
export function Select(p: {
  name: string;
  label: string;
  options: readonly (readonly [string, string])[];
  value?: string | undefined;
  error?: string | undefined;
  hint?: string;
  children?: ComponentChildren;
}) {
  const id = `f-${p.name}`;
  return (
    <div class={`usa-form-group${p.error ? ' usa-form-group--error' : ''}`}>
      <label class="usa-label" for={id}>
        {p.label}
      </label>
      {p.hint ? (
        <div class="usa-hint" id={`${id}-hint`}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <span class="usa-error-message" id={`${id}-error`} role="alert">
          {p.error}
        </span>
      ) : null}
      <select
        class="usa-select"
        id={id}
        name={p.name}
        aria-describedby={
          [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
        }
      >
        {p.options.map(([v, label]) => (
          <option value={v} selected={v === p.value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}
