package app

import (
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is the database/sql driver the demo opens its file with:
// go-sqlite3 with a hook that bounds the WAL file on every pooled
// connection (journal_size_limit is a per-connection setting that the DSN
// cannot carry).
const sqliteDriver = "sqlite3_fiberfn_demo"

// JournalSizeLimit is the size in bytes that SQLite truncates the WAL
// file to after a checkpoint resets it.
const JournalSizeLimit = 4 << 20

// DefaultCheckpointInterval is how often, by default, the demo runs
// PRAGMA wal_checkpoint(TRUNCATE).
const DefaultCheckpointInterval = time.Second

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(conn *sqlite3.SQLiteConn) error {
			_, err := conn.Exec("PRAGMA journal_size_limit = 4194304", nil)
			return err
		},
	})
}

// checkpointer copies the WAL back into the database file and truncates
// it every interval, so that the WAL stays bounded under a steady load
// (SQLite's automatic checkpoints never shrink the file, and they cannot
// finish while readers keep the WAL busy).
type checkpointer struct {
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
}

// startCheckpoints runs the checkpoints in a goroutine until stop.
// Failures (SQLITE_BUSY under load) are left to the next round; log
// receives them.
func startCheckpoints(db *sql.DB, every time.Duration, log func(error)) *checkpointer {
	cp := &checkpointer{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(cp.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-cp.quit:
				return
			case <-tick.C:
				if err := checkpoint(db); err != nil {
					log(err)
				}
			}
		}
	}()
	return cp
}

// errCheckpointBusy reports a checkpoint that readers or writers kept
// from finishing; the next round tries again.
var errCheckpointBusy = errors.New("app: WAL checkpoint could not finish (busy)")

// checkpointTries bounds the attempts of one checkpoint round. Under load
// a TRUNCATE checkpoint often finds SQLite's automatic (passive)
// checkpoint of a writer in progress and gives up at once with busy, so
// it tries again a moment later.
const checkpointTries = 20

// checkpoint runs PRAGMA wal_checkpoint(TRUNCATE) until it completes, at
// most checkpointTries times.
func checkpoint(db *sql.DB) error {
	for try := 0; ; try++ {
		var busy, logFrames, checkpointed int
		if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed); err != nil {
			return err
		}
		if busy == 0 {
			return nil
		}
		if try+1 == checkpointTries {
			return errCheckpointBusy
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop ends the goroutine and waits for it; it is safe to call twice.
func (cp *checkpointer) stop() {
	cp.stopOnce.Do(func() { close(cp.quit) })
	<-cp.done
}
