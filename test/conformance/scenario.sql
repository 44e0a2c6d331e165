-- The conformance scenario: produces every event type of the catalogue.
-- Every field the spec's examples carry is given a value here, so that the
-- JSON types can be compared (an absent optional field would be null).
CREATE EXTENSION pg_idm;
INSERT INTO idm.environments (id, name) VALUES ('env_conf', 'Conformance');
SET idm.environment_id = 'env_conf';

-- organization.created / updated / deleted
SELECT idm.create_organization('AcmeCorp', 'org_external_123', 'US', '{"tier": "gold"}');
SELECT idm.update_organization(id, display_name => 'Acme Corp') FROM idm.organizations WHERE external_id = 'org_external_123';
SELECT idm.create_organization('Temp Org', 'temp-1', 'EU', '{}');
SELECT idm.delete_organization(id) FROM idm.organizations WHERE external_id = 'temp-1';
