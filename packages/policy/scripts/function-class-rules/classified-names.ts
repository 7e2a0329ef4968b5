import type { FunctionClass } from "../../src/function-class";

/**
 * The reviewed rules that classify every function of the server's pg_proc by (schema, name), first
 * part: the names in a class other than safe. The generator (generate-function-classes.ts) applies
 * these, safe-by-role.ts and safe-names.ts to a fresh server and fails on any function
 * no rule covers: nothing is safe by default. Where overloads of one name differ, the name takes the
 * most dangerous class (FUNCTION_CLASS_RANK). Checked against PostgreSQL 18's sources
 * (src/include/catalog/pg_proc.dat; SPI users in src/backend/utils/adt: xml.c, tsvector_op.c,
 * tsquery_rewrite.c; file access in src/backend/utils/adt/genfile.c, misc.c, be-fsstubs.c).
 */

/** Named pg_catalog functions in a class other than safe (a trailing `*` is a prefix). */
export const CLASSIFIED_NAMES: Readonly<Record<Exclude<FunctionClass, "safe">, readonly string[]>> = {
  /**
   * Run SQL text, a cursor or a whole table/schema/database by name through SPI (xml.c's
   * *_to_xml*, tsvector_op.c's ts_stat, tsquery_rewrite.c's ts_rewrite(tsquery, text)), read a
   * table by name outside the plan (tid.c's currtid2), or decode every table's changes from WAL.
   */
  "executes-sql": [
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    "query_to_xmlschema",
    "table_to_xml",
    "table_to_xml_and_xmlschema",
    "table_to_xmlschema",
    "schema_to_xml",
    "schema_to_xml_and_xmlschema",
    "schema_to_xmlschema",
    "database_to_xml",
    "database_to_xml_and_xmlschema",
    "database_to_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "ts_stat",
    "ts_rewrite",
    "currtid2",
    "pg_logical_slot_get_changes",
    "pg_logical_slot_get_binary_changes",
    "pg_logical_slot_peek_changes",
    "pg_logical_slot_peek_binary_changes",
  ],
  /** Read or list the server's files (genfile.c, be-fsstubs.c's lo_import/lo_export) or its config files. */
  "server-files": [
    "pg_read_file",
    "pg_read_binary_file",
    "pg_stat_file",
    "pg_ls_dir",
    "pg_ls_logdir",
    "pg_ls_waldir",
    "pg_ls_tmpdir",
    "pg_ls_archive_statusdir",
    "pg_ls_logicalsnapdir",
    "pg_ls_logicalmapdir",
    "pg_ls_replslotdir",
    "pg_ls_summariesdir",
    "lo_import",
    "lo_export",
    "pg_current_logfile",
    "pg_hba_file_rules",
    "pg_ident_file_mappings",
    "pg_show_all_file_settings",
    "pg_config",
    "pg_control_checkpoint",
    "pg_control_init",
    "pg_control_recovery",
    "pg_control_system",
    "pg_available_wal_summaries",
    "pg_wal_summary_contents",
    "pg_get_wal_summarizer_state",
  ],
  /**
   * Signal or steer the server: backends, configuration reload, logs, WAL, backups, promotion,
   * replication slots and origins, statistics resets and restores, catalog maintenance, loading a
   * function's shared library (fmgr_c_validator), binary upgrade support.
   */
  admin: [
    "pg_cancel_backend",
    "pg_terminate_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_log_backend_memory_contexts",
    "pg_log_standby_snapshot",
    "pg_switch_wal",
    "pg_create_restore_point",
    "pg_backup_start",
    "pg_backup_stop",
    "pg_promote",
    "pg_wal_replay_pause",
    "pg_wal_replay_resume",
    "pg_stat_reset",
    "pg_stat_reset_*",
    "pg_replication_origin_*",
    "pg_create_logical_replication_slot",
    "pg_create_physical_replication_slot",
    "pg_copy_logical_replication_slot",
    "pg_copy_physical_replication_slot",
    "pg_drop_replication_slot",
    "pg_replication_slot_advance",
    "pg_sync_replication_slots",
    "pg_logical_emit_message",
    "pg_nextoid",
    "pg_stop_making_pinned_objects",
    "pg_import_system_collations",
    "pg_extension_config_dump",
    "pg_clear_attribute_stats",
    "pg_clear_relation_stats",
    "pg_restore_attribute_stats",
    "pg_restore_relation_stats",
    // Replication connection strings (host, user) of the standby and of subscriptions.
    "pg_stat_get_wal_receiver",
    "pg_stat_get_subscription",
    "fmgr_c_validator",
    "binary_upgrade_*",
  ],
  /** Large objects live outside every table: no table rule, lineage or masking follows them. */
  "large-objects": [
    "lo_open",
    "lo_close",
    "loread",
    "lowrite",
    "lo_lseek",
    "lo_lseek64",
    "lo_tell",
    "lo_tell64",
    "lo_truncate",
    "lo_truncate64",
    "lo_creat",
    "lo_create",
    "lo_unlink",
    "lo_get",
    "lo_put",
    "lo_from_bytea",
  ],
  /** Other sessions' query text (the source of pg_stat_activity). */
  "query-text": ["pg_stat_get_activity", "pg_stat_get_backend_activity"],
  /** Real column values kept by the planner (extended statistics' most common values). */
  "catalog-values": ["pg_mcv_list_items"],
  /** Change stored state: sequences, BRIN summaries, GIN pending lists. */
  writes: [
    "nextval",
    "setval",
    "brin_summarize_new_values",
    "brin_summarize_range",
    "brin_desummarize_range",
    "gin_clean_pending_list",
  ],
  /** NOTIFY by another name. */
  notify: ["pg_notify"],
  /** SET by another name (facts.settings judges it). */
  settings: ["set_config"],
  /** Hold time or locks. */
  "sleep-and-locks": [
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_advisory_unlock",
    "pg_advisory_unlock_all",
    "pg_advisory_unlock_shared",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
  ],
};
