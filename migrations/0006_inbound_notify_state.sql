ALTER TABLE `inbound` ADD `notified_at` text;--> statement-breakpoint
ALTER TABLE `inbound` ADD `notify_error` text;