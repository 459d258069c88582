module github.com/fiberfn/fiberfn/demo

go 1.26.8

require (
	github.com/fiberfn/fiberfn v0.0.0
	github.com/fiberfn/fiberfn/ext/redisstore v0.0.0
	github.com/fiberfn/fiberfn/ext/sqlstore v0.0.0
	github.com/fiberfn/fiberfn/internal/testsvc v0.0.0
	github.com/gofiber/fiber/v2 v2.52.15
	github.com/gofiber/storage/redis/v3 v3.4.3
	github.com/gofiber/storage/sqlite3/v2 v2.3.0
	github.com/gofiber/template/html/v2 v2.1.3
	github.com/jackc/pgx/v5 v5.13.0
	github.com/mattn/go-sqlite3 v1.14.50
	github.com/redis/go-redis/v9 v9.17.3
	github.com/valyala/fasthttp v1.51.0
	golang.org/x/crypto v0.59.0
	golang.org/x/net v0.62.0
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)

require (
	github.com/andybalholm/brotli v1.1.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/gofiber/template v1.8.3 // indirect
	github.com/gofiber/utils v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.18.3 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.16 // indirect
	github.com/rivo/uniseg v0.2.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/tcplisten v1.0.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace (
	github.com/fiberfn/fiberfn => ../
	github.com/fiberfn/fiberfn/ext/redisstore => ../ext/redisstore
	github.com/fiberfn/fiberfn/ext/sqlstore => ../ext/sqlstore
	github.com/fiberfn/fiberfn/internal/testsvc => ../internal/testsvc
)
