package app

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// sweepInterval is how often expired attempt counts are deleted
// from the database. Reads skip them anyway; this only frees the space.
const sweepInterval = time.Minute

// sweeper deletes expired attempt counts every sweepInterval.
type sweeper struct {
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// startSweeper starts deleting expired rows of db's state tables; report
// gets the errors.
func startSweeper(db *sql.DB, report func(error)) *sweeper {
	s := &sweeper{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				if err := sweepState(context.Background(), db, time.Now()); err != nil {
					report(err)
				}
			}
		}
	}()
	return s
}

// sweepState deletes the attempt counts that expired before now. (The
// session storages sweep their own tables.)
func sweepState(ctx context.Context, db *sql.DB, now time.Time) error {
	_, err := db.ExecContext(ctx, `DELETE FROM attempts WHERE expires_at <= $1`, now.UnixMilli())
	return err
}

// stop stops the sweeper and waits for a sweep in progress. Safe to call
// on nil and more than once.
func (s *sweeper) stop() {
	if s == nil {
		return
	}
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
}
