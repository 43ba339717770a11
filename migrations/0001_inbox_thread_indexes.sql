CREATE INDEX `enrollments_thread_idx` ON `enrollments` (`thread_message_id`);--> statement-breakpoint
CREATE INDEX `messages_to_email_idx` ON `messages` (`to_email`);