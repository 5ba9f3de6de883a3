-- A merge, split or undo whose students hold records in several states takes effect only when the requester and its
-- approvers together speak for every one of those states (issue 13 finding 11: the scope was "any of", so a second
-- administrator of the requesting state could approve merging another state's child). Each approval is kept here
-- ({by, state, at, note}) until the request is complete.
ALTER TABLE merge_requests ADD COLUMN approvals jsonb NOT NULL DEFAULT '[]'::jsonb;
