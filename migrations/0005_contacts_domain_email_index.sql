DROP INDEX `contacts_email_idx`;--> statement-breakpoint
DROP INDEX `contacts_email_domain_idx`;--> statement-breakpoint
CREATE INDEX `contacts_domain_email_idx` ON `contacts` (substr("email", instr("email", '@') + 1),`email`);
