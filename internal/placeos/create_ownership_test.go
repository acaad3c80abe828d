package placeos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// A key of the same name, user, description and permissions that someone else made 60 s
// before the create survives a create whose first attempt failed without an answer.
func TestCreateAPIKeyMatchingKeyMadeAMinuteEarlierSurvives(t *testing.T) {
	s := newKeyServer(t)
	other := s.add(fakeKey{
		Name: "ci-key", Description: ciKey.Description, UserID: ciKey.UserID, Permissions: ciKey.Permissions,
		Scopes: ciKey.Scopes, CreatedAt: time.Now().Add(-60 * time.Second),
	})
	s.firstPost(dropNoCommit, answer)
	s.createNameTaken(t)
	keys, posts, deleted, lists := s.state()
	if len(deleted) != 0 || len(keys) != 1 || keys[0].ID != other.ID {
		t.Errorf("deleted %v, keys %+v; want the other key untouched", deleted, keys)
	}
	if len(posts) != 1 || lists != 1 {
		t.Errorf("%d POSTs and %d listings; want the lost POST, one look, and no retry onto a taken name", len(posts), lists)
	}
}

// Ownership is decided on the server's clock, from its Date headers: with the server's clock
// ten minutes behind ours, the key a lost answer left is still found and deleted, and an
// identical key someone made a minute before is still left alone.
func TestCreateAPIKeyOwnershipOnTheServersClock(t *testing.T) {
	behind := func() time.Time { return time.Now().Add(-10 * time.Minute) }
	t.Run("lost answer", func(t *testing.T) {
		s := newKeyServer(t)
		s.now = behind
		s.firstPost(commitAndDrop, answer)
		key, err := newClient(t, s.srv.URL).CreateAPIKey(t.Context(), ciKey)
		if err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
		if keys, _, deleted, _ := s.state(); len(keys) != 1 || keys[0].ID != key.ID || len(deleted) != 1 {
			t.Errorf("keys %+v, deleted %v; want the orphan deleted and the new key alone", keys, deleted)
		}
	})
	t.Run("a minute earlier", func(t *testing.T) {
		s := newKeyServer(t)
		s.now = behind
		s.add(fakeKey{
			Name: "ci-key", Description: ciKey.Description, UserID: ciKey.UserID, Permissions: ciKey.Permissions,
			CreatedAt: behind().Add(-time.Minute),
		})
		s.firstPost(dropNoCommit, answer)
		s.createNameTaken(t)
		if keys, _, deleted, _ := s.state(); len(keys) != 1 || len(deleted) != 0 {
			t.Errorf("keys %+v, deleted %v; want the key untouched", keys, deleted)
		}
	})
}

// Two applies of the same configuration create the same key at the same time. The first
// attempt of A gets no answer; B's create succeeds after A gave that attempt up, before A
// looks. B's key was made outside A's unanswered attempt (and its 2 s of tolerance), so A
// leaves it alone and fails with ErrNameTaken; B keeps its key. A test clock, shared by server
// and clients, puts B's create ten seconds after A's attempt.
func TestCreateAPIKeyKeyMadeAfterTheUnansweredAttemptWasGivenUpSurvives(t *testing.T) {
	clock := placeostest.NewClock(time.Now().UTC().Truncate(time.Second))
	s := newKeyServer(t)
	s.now = clock.Now
	s.firstPost(dropNoCommit, answer) // A's first attempt
	aLooks, bDone := make(chan struct{}), make(chan struct{})
	var releaseList sync.Once
	t.Cleanup(func() { releaseList.Do(func() { close(bDone) }) }) // before the server closes
	lists := 0
	s.onList = func() {
		if lists++; lists == 1 {
			close(aLooks)
			<-bDone
		}
	}
	withClock := func(cfg *placeos.Config) { cfg.Now = clock.Now }
	a, b := newClient(t, s.srv.URL, withClock), newClient(t, s.srv.URL, withClock)

	aErr := make(chan error, 1)
	go func() {
		_, err := a.CreateAPIKey(context.Background(), ciKey)
		aErr <- err
	}()
	select {
	case <-aLooks:
	case err := <-aErr:
		t.Fatalf("A's create ended (%v) without looking for a key after its unanswered attempt", err)
	}
	clock.Advance(10 * time.Second)
	bKey, err := b.CreateAPIKey(t.Context(), ciKey)
	releaseList.Do(func() { close(bDone) })
	if err != nil {
		t.Fatalf("B's create: %v", err)
	}
	if err := <-aErr; !errors.Is(err, placeos.ErrNameTaken) {
		t.Errorf("A's create: %v, want ErrNameTaken", err)
	}
	keys, _, deleted, _ := s.state()
	if len(deleted) != 0 || len(keys) != 1 || keys[0].ID != bKey.ID {
		t.Errorf("deleted %v, keys %+v; want B's key %s untouched", deleted, keys, bKey.ID)
	}
}

// A create cancelled (Ctrl-C) while its attempt is on its way, whose answer is then lost,
// still finds and deletes the key that attempt made before it returns: the clean-up runs on a
// context of its own. The server stores the key, the test cancels, the server drops the
// connection. Channels order every step; nothing sleeps.
func TestCreateAPIKeyCancelledAfterCommitCleansUp(t *testing.T) {
	s := newKeyServer(t)
	committed, cancelled := make(chan struct{}), make(chan struct{})
	s.onPost = func(int) postAction { return commitAndWait }
	s.afterCommit = func(w http.ResponseWriter, _ *http.Request) bool {
		close(committed)
		<-cancelled
		dropConnection(t, w)
		return true
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := newClient(t, s.srv.URL).CreateAPIKey(ctx, ciKey)
		done <- err
	}()
	<-committed
	cancel()
	close(cancelled)
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the cancellation", err)
	}
	keys, posts, deleted, lists := s.state()
	if len(posts) != 1 || lists != 1 {
		t.Errorf("%d POSTs, %d listings; want one POST, no retry after the cancellation, and one look", len(posts), lists)
	}
	if len(keys) != 0 || !slices.Equal(deleted, []string{fmt.Sprintf("%032x", 1)}) {
		t.Errorf("keys %+v, deleted %v; want the cancelled create's key deleted", keys, deleted)
	}
}

// A create cancelled (Ctrl-C) once its attempt has been written to PlaceOS waits for that
// attempt's answer and returns the key with its secret, so that Terraform keeps it in state:
// PlaceOS may carry out a request after the client gave up on it, later than any look for its
// key. The cancellation comes while PlaceOS holds the answer back, or after the status line of
// a 201 whose body is still on its way. Nothing is looked for or deleted.
func TestCreateAPIKeyCancelledWhileAnsweredKeepsTheKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action postAction
	}{
		{"before the answer", commitAndWait},
		{"after the status line", commitAndStall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newKeyServer(t)
			s.onPost = func(int) postAction { return tc.action }
			s.release = make(chan struct{})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			written := make(chan struct{})
			var once sync.Once // a look for the key, if any, is written too
			ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
				WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(func() { close(written) }) },
			})
			cancelThenRelease := func() {
				cancel()
				close(s.release)
			}
			s.afterCommit = func(http.ResponseWriter, *http.Request) bool {
				<-written
				cancelThenRelease()
				return false
			}
			client := newClient(t, s.srv.URL, func(c *placeos.Config) {
				if tc.action != commitAndStall {
					return
				}
				// The client logs each answer's status line as it arrives, before it reads the body.
				c.Log = func(_ context.Context, msg string, f map[string]any) {
					if msg == "PlaceOS response" && f["method"] == http.MethodPost && f["status"] == http.StatusCreated {
						cancelThenRelease()
					}
				}
			})
			key, err := client.CreateAPIKey(ctx, ciKey)
			if err != nil {
				t.Fatalf("CreateAPIKey: %v", err)
			}
			if ctx.Err() == nil {
				t.Fatal("the create was not cancelled; nothing was tested")
			}
			keys, posts, deleted, lists := s.state()
			if len(keys) != 1 || keys[0].ID != key.ID || key.XAPIKey != keys[0].ID+"."+keys[0].Secret {
				t.Errorf("keys %+v, returned %s; want the key made, returned with its secret", keys, key.ID)
			}
			if len(posts) != 1 || lists != 0 || len(deleted) != 0 {
				t.Errorf("%d POSTs, %d listings, deleted %v; want one POST and nothing else", len(posts), lists, deleted)
			}
		})
	}
}

// An attempt that fails before any of it is written (nothing listens at the URL: the dial is
// refused) cannot have made a key. It opens no window: the create retries, looks for no key,
// deletes none, and reports the connection error. Every request the client makes asks the
// test's trace for a connection, so a look would be counted.
func TestCreateAPIKeyDialErrorOpensNoWindow(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var requests atomic.Int32
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GetConn: func(string) { requests.Add(1) }})
	_, err := newClient(t, url, withMaxRetries(2)).CreateAPIKey(ctx, ciKey)
	var reqErr *placeos.RequestError
	if !errors.As(err, &reqErr) || reqErr.Method != http.MethodPost || strings.Contains(err.Error(), "unanswered") {
		t.Errorf("err = %v, want the POST's connection error alone", err)
	}
	if n := requests.Load(); n != 3 {
		t.Errorf("%d requests, want the POST's 3 attempts and no look for a key", n)
	}
}

// The documented limit of the clean-up: a matching key that someone else makes while one of
// this create's attempts hangs unanswered has its created_at within that attempt's window, and
// nothing tells it apart from a key the attempt made (PlaceOS takes no idempotency token). The
// create deletes it as its own and makes its key. Names are unique per domain, so only one of
// the two creates could have held the name; `name_prefix` avoids the race altogether.
func TestCreateAPIKeyKeyMadeWhileTheAttemptHangsIsTakenForOurs(t *testing.T) {
	s := newKeyServer(t)
	s.firstPost(dropNoCommit, answer) // A's first attempt hangs, then is dropped
	var other *placeos.APIKey
	s.whileHung = func() {
		k, err := newClient(t, s.srv.URL).CreateAPIKey(context.Background(), ciKey)
		if err != nil {
			t.Errorf("the other create, while A's attempt hangs: %v", err)
			return
		}
		other = k
	}
	mine, err := newClient(t, s.srv.URL).CreateAPIKey(t.Context(), ciKey)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	if other == nil {
		t.Fatal("the other key was not made")
	}
	keys, posts, deleted, lists := s.state()
	if !slices.Equal(deleted, []string{other.ID}) || len(keys) != 1 || keys[0].ID != mine.ID {
		t.Errorf("deleted %v, keys %+v; want the key made while the attempt hung (%s) deleted, and ours alone", deleted, keys, other.ID)
	}
	if len(posts) != 3 || lists != 1 {
		t.Errorf("%d POSTs and %d listings; want A's lost POST, the other's, one look and A's retry", len(posts), lists)
	}
}

// A create whose key PlaceOS made and answered 201, but whose answer never became a key (the
// connection is cut in the middle of the body), has lost that key's secret as surely as a
// create without an answer: the key is found and deleted before the create returns.
func TestCreateAPIKeyAnswerLostAfterStatusCleansUp(t *testing.T) {
	s := newKeyServer(t)
	s.onPost = func(int) postAction { return commitAndCut }
	_, err := newClient(t, s.srv.URL).CreateAPIKey(t.Context(), ciKey)
	var reqErr *placeos.RequestError
	if !errors.As(err, &reqErr) || reqErr.Method != http.MethodPost {
		t.Errorf("err = %v; want the failed read of the POST's answer", err)
	}
	keys, posts, deleted, lists := s.state()
	if len(posts) != 1 || lists != 1 {
		t.Errorf("%d POSTs, %d listings; want one POST and one look for its key", len(posts), lists)
	}
	if len(keys) != 0 || !slices.Equal(deleted, []string{fmt.Sprintf("%032x", 1)}) {
		t.Errorf("keys %+v, deleted %v; want the key whose answer was lost deleted", keys, deleted)
	}
}

// A create cancelled (Ctrl-C) while it looks for the key of an unanswered attempt makes no
// further attempt: the look is written to PlaceOS like an attempt, but it is no attempt
// being answered, and the next attempt stops before it is sent.
func TestCreateAPIKeyCancelledDuringTheLookMakesNoFurtherAttempt(t *testing.T) {
	s := newKeyServer(t)
	s.firstPost(dropNoCommit, answer)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s.onList = cancel
	_, err := newClient(t, s.srv.URL).CreateAPIKey(ctx, ciKey)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the cancellation", err)
	}
	keys, posts, _, lists := s.state()
	if len(posts) != 1 || lists != 1 || len(keys) != 0 {
		t.Errorf("%d POSTs, %d listings, keys %+v; want the lost POST, one look and no key", len(posts), lists, keys)
	}
}
