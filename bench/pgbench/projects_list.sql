-- pgbench script of bench-driver, scenario projects_list: the statements one request runs.
-- Run with -D tenants=<N> -D projects=<projects per tenant>.
-- (1) the token and the tenant in one statement, as the baseline does per request: the token
-- is derived from the tenant number (hex SHA-256 of bench-token-<t>) and hashed as stored, once
-- per transaction (a subquery: in the filter itself a generic plan's sequential scan of a small
-- api_tokens would hash again for every row).
\set t random(1, :tenants)
SELECT t.user_id AS uid, (SELECT o.account_id FROM account_owners o WHERE o.user_id = t.user_id ORDER BY o.account_id LIMIT 1) AS acct FROM api_tokens t WHERE t.token_hash = (SELECT encode(sha256(convert_to(encode(sha256(convert_to('bench-token-' || :t, 'UTF8')), 'hex'), 'UTF8')), 'hex')) AND t.expires_at > now() \gset
-- (2) one page of the tenant's projects (the default page of 50 holds them all)
\set lim 50
\set off 0
SELECT account_id, id, name, (SELECT count(*) FROM (SELECT 1 FROM projects WHERE account_id = :acct LIMIT 1001) c) FROM projects WHERE account_id = :acct ORDER BY id LIMIT :lim OFFSET :off;
