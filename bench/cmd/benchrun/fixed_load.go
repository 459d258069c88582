package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// fixedRequest is one request of a fixed load: the session it runs in and
// its form body.
type fixedRequest struct {
	cookie string
	body   string
}

// runFixed sends every request once, over connections concurrent clients,
// and measures them as wrk would: requests per second, p50 and p99, and
// the answers that were not 2xx or 3xx. Rows whose requests use up what
// they act on (a delete deletes its task) run a fixed list instead of a
// fixed time, so that no request finds its task gone.
func runFixed(base, path string, headers []string, reqs []fixedRequest, connections int) (wrkResult, int, error) {
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections},
	}
	defer client.CloseIdleConnections()
	next := make(chan fixedRequest)
	latencies := make([][]time.Duration, connections)
	errs := make([]int, connections)
	sizes := make([]int, connections)
	var failure error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < connections; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(r.body))
				if err != nil {
					once.Do(func() { failure = err })
					continue
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Cookie", r.cookie)
				for _, h := range headers {
					name, value, _ := strings.Cut(h, ":")
					req.Header.Set(name, strings.TrimSpace(value))
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs[w]++
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				sizes[w] = int(n)
				resp.Body.Close()
				latencies[w] = append(latencies[w], time.Since(t0))
				if resp.StatusCode >= 400 {
					errs[w]++
				}
			}
		}()
	}
	for _, r := range reqs {
		next <- r
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	if failure != nil {
		return wrkResult{}, 0, failure
	}
	var all []time.Duration
	res := wrkResult{Requests: len(reqs)}
	for w := range latencies {
		all = append(all, latencies[w]...)
		res.Errors += errs[w]
	}
	if len(all) == 0 {
		return res, 0, fmt.Errorf("no request of %s was answered", path)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res.P50 = all[len(all)/2]
	res.P99 = all[len(all)*99/100]
	res.RPS = float64(len(reqs)) / elapsed.Seconds()
	return res, sizes[0], nil
}

// taskRequests returns the fixed list of a toggle or delete row: about
// total requests spread over the sessions' users, each acting on one of
// the user's newest seeded tasks (the ones the first page shows), and a
// function that undoes the row (a delete's tasks are put back).
func (s *seeded) taskRequests(kind string, cookies []string, total int) ([]fixedRequest, func() error, error) {
	perUser := max(1, total/len(cookies))
	if kind == "delete" {
		perUser = min(perUser, int(s.tasksPerUser/2))
	}
	var reqs []fixedRequest
	var ids []string
	for k := 0; k < perUser; k++ { // round robin over the users
		for u, ck := range cookies {
			r := s.ranges[u]
			span := r[1] - r[0] + 1
			id := r[1] - int64(k)%min(span, 200)
			if kind == "delete" {
				id = r[1] - int64(k)
				ids = append(ids, fmt.Sprint(id))
				reqs = append(reqs, fixedRequest{cookie: ck, body: fmt.Sprintf("id=%d&filter=", id)})
				continue
			}
			reqs = append(reqs, fixedRequest{cookie: ck, body: fmt.Sprintf("id=%d&done=%t&filter=", id, k/200%2 == 0)})
		}
	}
	if kind != "delete" {
		return reqs, func() error { return nil }, nil
	}
	list := strings.Join(ids, ",")
	if _, err := s.db.Exec(`DROP TABLE IF EXISTS bench_deleted`); err != nil {
		return nil, nil, err
	}
	if _, err := s.db.Exec(`CREATE TABLE bench_deleted AS SELECT * FROM tasks WHERE id IN (` + list + `)`); err != nil {
		return nil, nil, err
	}
	restore := func() error {
		if _, err := s.db.Exec(`INSERT INTO tasks SELECT * FROM bench_deleted WHERE id NOT IN (SELECT id FROM tasks)`); err != nil {
			return err
		}
		_, err := s.db.Exec(`DROP TABLE bench_deleted`)
		return err
	}
	return reqs, restore, nil
}
