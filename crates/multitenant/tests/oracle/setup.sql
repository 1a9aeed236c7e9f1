-- The sample domain, created in the schema named by search_path. The `alltenants` schema holds every
-- tenant; the copies `t1` and `t2` hold one tenant's rows each. Ids overlap across tenants on
-- purpose, and other tenants hold rows that would join or match if a predicate went missing.
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    country_code text REFERENCES countries (code),
    plan text NOT NULL DEFAULT 'free'
);
CREATE SEQUENCE task_ids START 1000;
CREATE TABLE managers (
    account_id bigint NOT NULL REFERENCES accounts (id),
    id bigint NOT NULL,
    name text NOT NULL,
    email text,
    PRIMARY KEY (account_id, id)
);
CREATE TABLE projects (
    account_id bigint NOT NULL REFERENCES accounts (id),
    id bigint NOT NULL,
    name text NOT NULL,
    manager_id bigint,
    country_code text REFERENCES countries (code),
    tags text[] NOT NULL DEFAULT '{}',
    meta jsonb NOT NULL DEFAULT '{}',
    budget numeric(12, 2),
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, manager_id) REFERENCES managers (account_id, id)
);
CREATE TABLE project_managers (
    account_id bigint NOT NULL,
    project_id bigint NOT NULL,
    manager_id bigint NOT NULL,
    role text NOT NULL DEFAULT 'member',
    PRIMARY KEY (account_id, project_id, manager_id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id),
    FOREIGN KEY (account_id, manager_id) REFERENCES managers (account_id, id)
);
CREATE TABLE tasks (
    account_id bigint NOT NULL REFERENCES accounts (id),
    id bigint NOT NULL DEFAULT nextval('task_ids'),
    project_id bigint NOT NULL,
    parent_id bigint,
    name text NOT NULL,
    done boolean NOT NULL DEFAULT false,
    priority int NOT NULL DEFAULT 0,
    assignee_id bigint,
    labels jsonb,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id)
);
-- Every column has a default, so `INSERT INTO visits DEFAULT VALUES` is a complete row.
CREATE TABLE visits (
    account_id bigint NOT NULL REFERENCES accounts (id),
    id bigint NOT NULL DEFAULT nextval('task_ids'),
    page text NOT NULL DEFAULT 'home',
    PRIMARY KEY (account_id, id)
);

INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France'), ('us', 'United States'), ('jp', 'Japan');
INSERT INTO accounts VALUES
    (1, 'Acme', 'de', 'pro'), (2, 'Globex', 'fr', 'free'), (3, 'Initech', 'us', 'pro'), (4, 'Umbrella', NULL, 'free');
INSERT INTO managers VALUES
    (1, 1, 'Ada', 'ada@acme.test'), (1, 2, 'Bob', NULL), (1, 3, 'Cyd', 'cyd@acme.test'),
    (2, 1, 'Ada', 'ada@globex.test'), (2, 2, 'Dan', 'dan@globex.test'), (2, 4, 'Eve', NULL),
    (3, 1, 'Fay', 'fay@initech.test'), (3, 3, 'Bob', 'bob@initech.test'),
    (4, 9, 'Gus', NULL);
INSERT INTO projects VALUES
    (1, 1, 'Apollo', 1, 'de', '{space,urgent}', '{"stage": "build", "risk": 2}', 1000.00),
    (1, 2, 'Borealis', 2, 'fr', '{ice}', '{"stage": "plan"}', 250.50),
    (1, 3, 'Cobalt', NULL, NULL, '{}', '{}', NULL),
    (2, 1, 'Apollo', 1, 'de', '{space}', '{"stage": "build", "risk": 9}', 9000.00),
    (2, 2, 'Delta', 2, 'us', '{urgent}', '{"stage": "done"}', 10.00),
    (2, 4, 'Echo', 4, 'jp', '{ice,urgent}', '{"stage": "plan", "risk": 1}', 75.00),
    (3, 1, 'Falcon', 1, 'us', '{space}', '{"stage": "build"}', 500.00),
    (3, 3, 'Cobalt', 3, 'de', '{}', '{}', 1.00),
    (4, 5, 'Gamma', 9, NULL, '{urgent}', '{"risk": 5}', 42.00);
INSERT INTO project_managers VALUES
    (1, 1, 1, 'lead'), (1, 1, 2, 'member'), (1, 2, 2, 'lead'), (1, 3, 3, 'member'),
    (2, 1, 1, 'lead'), (2, 2, 2, 'lead'), (2, 4, 4, 'member'), (2, 1, 2, 'member'),
    (3, 1, 1, 'lead'), (3, 3, 3, 'lead'),
    (4, 5, 9, 'lead');
INSERT INTO tasks VALUES
    (1, 1, 1, NULL, 'design', true, 3, 1, '{"kind": "doc", "tags": ["a"]}'),
    (1, 2, 1, 1, 'build', false, 2, 2, '{"kind": "code"}'),
    (1, 3, 1, 2, 'test', false, 1, NULL, NULL),
    (1, 4, 2, NULL, 'plan', false, 5, 2, '{"kind": "doc"}'),
    (1, 5, 3, NULL, 'idle', true, 0, 3, '[]'),
    (2, 1, 1, NULL, 'design', false, 3, 1, '{"kind": "doc"}'),
    (2, 2, 1, 1, 'build', true, 9, 2, '{"kind": "code"}'),
    (2, 3, 2, NULL, 'ship', false, 4, 4, NULL),
    (2, 6, 4, 3, 'review', false, 7, 4, '{"kind": "review"}'),
    (3, 1, 1, NULL, 'design', true, 3, 1, '{"kind": "doc"}'),
    (3, 2, 3, 1, 'audit', false, 8, 3, '{"kind": "audit"}'),
    (3, 7, 3, NULL, 'test', false, 1, NULL, NULL),
    (4, 1, 5, NULL, 'design', false, 6, 9, '{"kind": "doc"}');
INSERT INTO visits VALUES (1, 1, 'home'), (1, 2, 'billing'), (2, 1, 'home'), (3, 1, 'home');
