-- enum types carry exactly the API's labels
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never

SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
WHERE t.typnamespace = 'idm'::regnamespace
GROUP BY t.typname ORDER BY t.typname;

SELECT count(*) AS event_types FROM unnest(enum_range(NULL::idm.event_type));

-- labels are case-sensitive
SELECT 'us'::idm.region_code;
SELECT 'ACTIVE '::idm.session_status;
SELECT 'PENDING_VERIFICATION'::idm.connector_status, 'DISCONNECTED'::idm.connector_status;
