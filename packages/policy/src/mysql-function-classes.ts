/**
 * MySQL/MariaDB built-in functions, classified by knowledge (MariaDB 10.11 and MySQL 8 manuals):
 * built-ins win over stored functions of the same name when called unqualified, and a loadable
 * function (UDF, e.g. lib_mysqludf_sys's sys_exec) cannot share a built-in's name. So an
 * unqualified call of a name below is that built-in; any other name — a stored function, a UDF, a
 * `db.f()` call — is unknown and refused unless an ALLOW FUNCTION guardrail names it.
 * @see https://mariadb.com/kb/en/built-in-functions/
 */

/** Pure computations on their arguments (string, numeric, date, JSON, aggregate, window, crypto). */
export const MYSQL_SAFE_FUNCTIONS: ReadonlySet<string> = new Set(
  `abs acos adddate addtime aes_decrypt aes_encrypt any_value ascii asin atan atan2 avg bin bit_and
  bit_count bit_length bit_or bit_xor cast ceil ceiling char char_length character_length charset chr
  coalesce coercibility collation compress concat concat_ws conv convert convert_tz cos cot count crc32
  cume_dist curdate current_date current_time current_timestamp curtime date date_add date_format
  date_sub datediff day dayname dayofmonth dayofweek dayofyear decode degrees dense_rank elt encode exp
  export_set extract extractvalue field find_in_set first_value floor format found_rows from_base64
  from_days from_unixtime greatest group_concat hex hour if ifnull inet6_aton inet6_ntoa inet_aton
  inet_ntoa insert instr interval is_ipv4 is_ipv6 isnull json_array json_arrayagg json_array_append
  json_array_insert json_compact json_contains json_contains_path json_depth json_detailed json_equals
  json_exists json_extract json_insert json_keys json_length json_loose json_merge json_merge_patch
  json_merge_preserve json_normalize json_object json_objectagg json_overlaps json_pretty json_query
  json_quote json_remove json_replace json_search json_set json_type json_unquote json_valid json_value
  lag last_day last_insert_id last_value lcase lead least left length ln localtime localtimestamp
  locate log log10 log2 lower lpad ltrim make_set makedate maketime max md5 median microsecond mid min
  minute mod month monthname now nth_value ntile nullif oct octet_length ord percent_rank
  percentile_cont percentile_disc period_add period_diff pi position pow power quarter quote radians
  rand rank regexp_instr regexp_replace regexp_substr repeat replace reverse right round row_count
  row_number rpad rtrim sec_to_time second sha sha1 sha2 sign sin soundex space sqrt std stddev
  stddev_pop stddev_samp str_to_date strcmp subdate substr substring substring_index subtime sum
  sysdate tan time time_format time_to_sec timediff timestamp timestampadd timestampdiff to_base64
  to_days to_seconds trim truncate ucase uncompress uncompressed_length unhex unix_timestamp upper
  utc_date utc_time utc_timestamp uuid uuid_short var_pop var_samp variance week weekday weekofyear
  year yearweek database schema current_user user session_user system_user version connection_id
  natural_sort_key sformat json_table`
    .split(/\s+/)
    .filter((name) => name !== ""),
);

/** Built-ins refused by default, with the Sluice rule and the reason an agent is shown. */
export const MYSQL_REFUSED_FUNCTIONS: ReadonlyMap<string, { rule: string; why: string }> = new Map([
  ["load_file", { rule: "sluice:server-files", why: "reads a file on the database server" }],
  ["sleep", { rule: "sluice:stalls-server", why: "holds the connection on purpose (a timing channel)" }],
  ["benchmark", { rule: "sluice:stalls-server", why: "burns server CPU on purpose (a timing channel)" }],
  ["get_lock", { rule: "sluice:stalls-server", why: "takes a named server lock" }],
  [
    "master_pos_wait",
    { rule: "sluice:server-files", why: "waits on replication, which controls the server" },
  ],
  [
    "master_gtid_wait",
    { rule: "sluice:server-files", why: "waits on replication, which controls the server" },
  ],
  [
    "column_json",
    { rule: "sluice:catalog-values", why: "turns dynamic columns into text that masking cannot follow" },
  ],
]);
