-- National search (issue 13 finding 1): a person searching by demographics states a purpose and attests the
-- child's enrollment; the answer is candidates, and only the chosen one opens the record, for that person, for a
-- limited time.

-- One search: who asked, why, and the candidates it offered (their MSIX ids stay here, never in the answer).
CREATE TABLE national_searches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject text NOT NULL,
  client_id text,
  state_code text NOT NULL,
  purpose text NOT NULL,
  attestation text NOT NULL,
  candidates text[] NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  chosen_msix_id text,
  chosen_at timestamptz
);
CREATE INDEX national_searches_subject ON national_searches (subject, created_at DESC);
CREATE INDEX national_searches_client ON national_searches (client_id, created_at DESC) WHERE client_id IS NOT NULL;

-- What a choice opens: one child's consolidated record, to one person, until expires_at.
CREATE TABLE search_grants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  search_id uuid NOT NULL REFERENCES national_searches(id),
  subject text NOT NULL,
  state_code text NOT NULL,
  msix_id text NOT NULL,
  purpose text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX search_grants_subject ON search_grants (subject, msix_id, expires_at DESC);
