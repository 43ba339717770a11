CREATE INDEX `events_bounce_email_idx` ON `events` (json_extract("data", '$.email')) WHERE "type" = 'bounced';
