package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// Batch limits: the body is streamed and spooled to a temp file, never held
// in memory; these bound the disk and the work one request can ask for.
const (
	MaxBatchBytes = 1 << 30 // 1 GiB of NDJSON
	MaxBatchLine  = 64 << 10
	MaxBatchLines = 2_000_000
	batchChunk    = 1000 // members per store call
	userWorkers   = 32   // concurrent user upserts
)

// batchMembers is POST /guilds/{id}/members:batch: NDJSON, one member object
// (with its user inline) per line. Pass one validates every line while
// spooling the body to disk; only if all are valid does pass two write them,
// so a rejected batch changes nothing. Members are written in chunks; the
// guild's watchers see every member, but no GUILD_MEMBER_ADD is dispatched
// per member: a batch is a bulk load, announced by one GUILD_MEMBERS_SYNC
// event.
func (a *API) batchMembers(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	if _, err := a.guildExists(r, gid); err != nil {
		return err
	}
	spool, err := os.CreateTemp(a.tmpDir, "gatehouse-batch-*.ndjson")
	if err != nil {
		return err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()

	lines, err := a.validateBatch(r.Body, spool)
	if err != nil {
		return err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	rev, err := a.applyBatch(r.Context(), gid, spool)
	if err != nil {
		return err
	}
	if err := a.publish(guild.Event{Type: "GUILD_MEMBERS_SYNC", GuildID: gid, Rev: rev}, map[string]int{"count": lines}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"guild_id": gid, "members": lines})
	return nil
}

// validateBatch checks every line and copies the body to spool.
func (a *API) validateBatch(body io.Reader, spool io.Writer) (int, error) {
	sc := bufio.NewScanner(io.LimitReader(body, MaxBatchBytes+1))
	sc.Buffer(make([]byte, 0, 4096), MaxBatchLine)
	bw := bufio.NewWriterSize(spool, 256<<10)
	var total int64
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		total += int64(len(line)) + 1
		if total > MaxBatchBytes {
			return 0, &Error{Status: http.StatusRequestEntityTooLarge, Field: "body", Message: "batch over 1 GiB"}
		}
		if len(line) == 0 {
			continue
		}
		n++
		if n > MaxBatchLines {
			return 0, &Error{Status: http.StatusRequestEntityTooLarge, Field: "body", Message: fmt.Sprintf("more than %d lines", MaxBatchLines)}
		}
		prefix := fmt.Sprintf("line %d: ", n)
		var b memberBody
		if err := decodeJSON(line, &b); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Field = prefix + e.Field
			}
			return 0, err
		}
		if b.User == nil {
			return 0, invalid(prefix+"user", "required in a batch")
		}
		if _, err := validateMember(prefix, &b, 0); err != nil {
			return 0, err
		}
		if _, err := bw.Write(line); err != nil {
			return 0, err
		}
		if err := bw.WriteByte('\n'); err != nil {
			return 0, err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return 0, &Error{Status: http.StatusRequestEntityTooLarge, Field: fmt.Sprintf("line %d", n+1), Message: "line over 64 KiB"}
		}
		return 0, invalid("body", "could not read body: "+err.Error())
	}
	if n == 0 {
		return 0, invalid("body", "no members")
	}
	return n, bw.Flush()
}

// applyBatch writes the validated lines: users with bounded concurrency,
// members in pipelined chunks. It returns the last member revision.
func (a *API) applyBatch(ctx context.Context, gid protocol.Snowflake, spool io.Reader) (uint64, error) {
	sc := bufio.NewScanner(spool)
	sc.Buffer(make([]byte, 0, 4096), MaxBatchLine)
	var rev uint64
	members := make([]*guild.Member, 0, batchChunk)
	users := make([]*guild.User, 0, batchChunk)
	flush := func() error {
		if len(members) == 0 {
			return nil
		}
		if err := a.putUsers(ctx, users); err != nil {
			return err
		}
		r, err := a.st.PutMembers(ctx, gid, members)
		if err != nil {
			return err
		}
		rev = r
		members, users = members[:0], users[:0]
		return nil
	}
	for sc.Scan() {
		var b memberBody
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			return 0, err
		}
		m, err := validateMember("", &b, 0)
		if err != nil {
			return 0, err
		}
		members = append(members, m)
		users = append(users, b.User)
		if len(members) == batchChunk {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return rev, flush()
}

// putUsers upserts users with at most userWorkers writes in flight.
func (a *API) putUsers(ctx context.Context, us []*guild.User) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs error
		sem  = make(chan struct{}, userWorkers)
	)
	for _, u := range us {
		sem <- struct{}{}
		wg.Add(1)
		go func(u *guild.User) {
			defer func() { <-sem; wg.Done() }()
			if _, err := a.st.PutUser(ctx, u); err != nil {
				mu.Lock()
				errs = errors.Join(errs, err)
				mu.Unlock()
			}
		}(u)
	}
	wg.Wait()
	return errs
}
