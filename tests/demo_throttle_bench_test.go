package tests

import (
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/fiberfn/fiberfn/demo/app"
)

// BenchmarkLoginWhileHammered measures one bystander's login (bcrypt's
// default cost) while 8 attackers hammer another account with wrong
// passwords from the same address, with the per-account throttle on
// (5 failures) and, for comparison, in effect off, and without an attack.
// The per-address limit is set out of the way. It reports the
// attackers' request rate and how many bcrypt checks their requests cost.
//
//	go test ./tests/ -run '^$' -bench LoginWhileHammered -benchtime 40x
func BenchmarkLoginWhileHammered(b *testing.B) {
	for _, tc := range []struct {
		name      string
		failures  int
		attackers int
	}{{"no attack", 5, 0}, {"throttled", 5, 8}, {"unthrottled", 1 << 30, 8}} {
		b.Run(tc.name, func(b *testing.B) {
			d := startDemo(b, app.Options{
				BcryptCost: bcrypt.DefaultCost,
				Throttle:   app.Throttle{AccountFailures: tc.failures, AddressAttempts: 1 << 30},
			})
			newPlainClient(b, d.URL).signup("victim", "victim-password")
			newPlainClient(b, d.URL).signup("bystander", "bystander-password")

			var stop atomic.Bool
			var attacks atomic.Int64
			var wg sync.WaitGroup
			for range tc.attackers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 1_000_000 && !stop.Load(); i++ {
						r := rawPost(b, d.URL, "/api/login", url.Values{"username": {"victim"}, "password": {"guess-guess"}}, "HX-Request", "true")
						if r.Status != http.StatusUnauthorized && r.Status != http.StatusTooManyRequests {
							b.Errorf("attack: %d", r.Status)
							return
						}
						attacks.Add(1)
					}
				}()
			}
			checks0 := d.App.PasswordChecks()
			attacks0 := attacks.Load()
			b.ResetTimer()
			for range b.N {
				r := rawPost(b, d.URL, "/api/login", url.Values{"username": {"bystander"}, "password": {"bystander-password"}}, "HX-Request", "true")
				if r.Status != http.StatusOK || r.Header.Get("HX-Redirect") != "/" {
					b.Fatalf("bystander login: %d", r.Status)
				}
			}
			b.StopTimer()
			elapsed := b.Elapsed().Seconds()
			n := attacks.Load() - attacks0
			checks := d.App.PasswordChecks() - checks0 - int64(b.N)
			stop.Store(true)
			wg.Wait()
			b.ReportMetric(float64(n)/elapsed, "attacks/s")
			if n > 0 {
				b.ReportMetric(float64(checks)/float64(n), "bcrypt/attack")
			}
		})
	}
}
