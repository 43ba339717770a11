-- No query reads inbound by (mailbox_id, folder, uid): a message is found by its Message-ID (inbound_message_id_uq),
-- the folder's progress is in sync_state. The index was only written, once per stored message (inbox sync's hot loop).
-- Removing a mailbox (rare) sets inbound.mailbox_id to NULL by a scan of inbound instead of this index.
DROP INDEX IF EXISTS `inbound_folder_uid_idx`;
