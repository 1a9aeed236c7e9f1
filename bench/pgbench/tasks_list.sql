-- pgbench script of bench-driver, scenario tasks_list: the statements one request runs.
-- Run with -D tenants=<N> -D projects=<projects per tenant>.
-- (1) the token and the tenant in one statement, as the baseline does per request: the token
-- is derived from the tenant number (hex SHA-256 of bench-token-<t>) and hashed as stored, once
-- per transaction (a subquery: in the filter itself a generic plan's sequential scan of a small
-- api_tokens would hash again for every row).
\set t random(1, :tenants)
SELECT t.user_id AS uid, (SELECT o.account_id FROM account_owners o WHERE o.user_id = t.user_id ORDER BY o.account_id LIMIT 1) AS acct FROM api_tokens t WHERE t.token_hash = (SELECT encode(sha256(convert_to(encode(sha256(convert_to('bench-token-' || :t, 'UTF8')), 'hex'), 'UTF8')), 'hex')) AND t.expires_at > now() \gset
-- (2) the first 200 of the tenant's tasks
\set lim 200
\set off 0
SELECT account_id, id, project_id, name, done, (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE account_id = :acct LIMIT 1001) c) FROM tasks WHERE account_id = :acct ORDER BY id LIMIT :lim OFFSET :off;
