-- The status board's alerts already sent to the alert webhook (ALERT_WEBHOOK_URL): one row per open problem
-- (kind and state), so a problem is announced once however many passes see it, and once more when it clears.
-- notified_at is null while the webhook has not yet accepted the announcement (the next pass tries again).
CREATE TABLE alert_notifications (
  key text PRIMARY KEY,
  kind text NOT NULL,
  state_code text NOT NULL,
  message text NOT NULL,
  opened_at timestamptz NOT NULL,
  notified_at timestamptz
);
