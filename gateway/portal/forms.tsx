import type { ComponentChildren } from 'preact';
import type { FieldIssue } from '@msix/adapter-sdk/canonical';

/** Form problems by field name, as the form shows them next to each field. */
export type FieldErrors = Record<string, string>;

/**
 * A schema's rule in a person's words where the API's own message speaks JSON Schema ("must match pattern
 * \"^[0-9]{12}$\"", "must NOT have fewer than 1 items"): the portal's readers fill in forms, not bodies.
 */
function inWords(i: FieldIssue): string {
  if (i.rule === 'pattern' && /\{1[12]\}/.test(i.message)) return 'An MSIX id is 12 digits, for example 838375569666';
  if (i.rule === 'pattern') return ['This is not in the form expected here', i.fix].filter(Boolean).join('. ');
  if (i.rule === 'minItems') return 'Give at least one';
  if (i.rule === 'maxItems') return 'Give fewer of these';
  return [i.message, i.fix].filter(Boolean).join('. ');
}

/** Maps problem-details issues (JSON pointers into the API body) to form field names: the pointer's last part. */
export function fieldErrors(issues: readonly FieldIssue[], names: Record<string, string> = {}): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const last = i.path.split('/').filter(Boolean).at(-1) ?? '';
    const name = names[i.path] ?? last;
    if (!out[name]) out[name] = inWords(i);
  }
  return out;
}

/** The USWDS frame every field shares: label, hint and error message, with the ids the control points at. */
function FormGroup(p: {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: ComponentChildren;
}) {
  return (
    <div class={`usa-form-group${p.error ? ' usa-form-group--error' : ''}`}>
      <label class={`usa-label${p.error ? ' usa-label--error' : ''}`} for={p.id}>
        {p.label}
      </label>
      {p.hint ? (
        <div class="usa-hint" id={`${p.id}-hint`}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <span class="usa-error-message" id={`${p.id}-error`} role="alert">
          {p.error}
        </span>
      ) : null}
      {p.children}
    </div>
  );
}

/** The aria-describedby value linking a control to its hint and error message, or undefined when it has neither. */
function describedBy(id: string, p: { hint?: string | undefined; error?: string | undefined }): string | undefined {
  return [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
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
  return (
    <FormGroup id={id} label={p.label} hint={p.hint} error={p.error}>
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
        aria-describedby={describedBy(id, p)}
        aria-invalid={p.error ? 'true' : undefined}
      />
    </FormGroup>
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
}) {
  const id = `f-${p.name}`;
  return (
    <FormGroup id={id} label={p.label} hint={p.hint} error={p.error}>
      <select class="usa-select" id={id} name={p.name} aria-describedby={describedBy(id, p)}>
        {p.options.map(([v, label]) => (
          <option value={v} selected={v === p.value}>
            {label}
          </option>
        ))}
      </select>
    </FormGroup>
  );
}
