-- pgbench script of bench-driver, scenario mixed: the statements one request runs.
-- Run with -D tenants=<N> -D projects=<projects per tenant>.
-- 45% project list, 45% project detail, 10% create task, for a random tenant each.
-- (1) the token and the tenant in one statement, as the baseline does per request: the token
-- is derived from the tenant number (hex SHA-256 of bench-token-<t>) and hashed as stored, once
-- per transaction (a subquery: in the filter itself a generic plan's sequential scan of a small
-- api_tokens would hash again for every row).
\set t random(1, :tenants)
SELECT t.user_id AS uid, (SELECT o.account_id FROM account_owners o WHERE o.user_id = t.user_id ORDER BY o.account_id LIMIT 1) AS acct FROM api_tokens t WHERE t.token_hash = (SELECT encode(sha256(convert_to(encode(sha256(convert_to('bench-token-' || :t, 'UTF8')), 'hex'), 'UTF8')), 'hex')) AND t.expires_at > now() \gset
\set r random(1, 100)
\if :r <= 45
\set lim 50
\set off 0
SELECT account_id, id, name, (SELECT count(*) FROM (SELECT 1 FROM projects WHERE account_id = :acct LIMIT 1001) c) FROM projects WHERE account_id = :acct ORDER BY id LIMIT :lim OFFSET :off;
\elif :r <= 90
\set pid (:acct - 1) * :projects + random(1, :projects)
SELECT account_id, id, name FROM projects WHERE account_id = :acct AND id = :pid;
\else
\set pid (:acct - 1) * :projects + random(1, :projects)
INSERT INTO tasks (account_id, project_id, name, done) VALUES (:acct, :pid, 'bench', false) RETURNING account_id, id, project_id, name, done;
\endif
