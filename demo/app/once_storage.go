package app

// onceTable keeps the answers of once-only server functions (add_task) by
// form token, so a retry after a restart is still answered once. Its
// storage is newKVStorage's: the gofiber sqlite3 storage on SQLite, an
// sqlStorage on PostgreSQL.
const onceTable = "once_answers"
