CREATE INDEX `contacts_email_domain_idx` ON `contacts` (substr("email", instr("email", '@') + 1));
