-- Data only (no schema change). Migration 0006 added inbound.notified_at with no backfill, so every reply stored
-- before it read as "never announced", and the first inbox sync/import after the upgrade announced (webhook,
-- command, printed) every WARM reply of the last 7 days again. Those replies were announced by the version that
-- stored them: they are marked announced when they were stored. Only the rows stored BEFORE 0006 was applied
-- (its applied_at in schema_migrations): a WARM reply stored since, still NULL, is one a killed or failed run left
-- unannounced, and stays so, to be announced by the next run. Timestamps are all ISO-8601 UTC with milliseconds
-- (strftime('%Y-%m-%dT%H:%M:%fZ') and Date.toISOString()), so they compare as text.
UPDATE `inbound`
   SET `notified_at` = COALESCE(`processed_at`, `received_at`)
 WHERE `label` = 'WARM'
   AND `notified_at` IS NULL
   AND COALESCE(`processed_at`, `received_at`) < (SELECT `applied_at` FROM `schema_migrations` WHERE `idx` = 6);
