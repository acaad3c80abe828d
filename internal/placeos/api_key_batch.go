package placeos

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Batched refresh.
//
// Terraform refreshes every key of a plan with its own ReadResource call, -parallelism of
// them at a time, all into the same provider process. With PlaceOS 50 to 150 ms away, one GET
// per key makes a plan of hundreds of keys wait seconds for round trips. RefreshAPIKey serves
// these reads from a listing of the key's domain instead (`GET /api_keys?authority_id=…`, a
// page of up to PageSize keys per request) when enough reads of that domain come in to pay for
// it, and otherwise does the same GET as GetAPIKey:
//
//   - The first read of a domain is a plain GET, with no waiting: a plan of one key never
//     lists its domain, however large. The second read of the same domain (within
//     refreshWindow of the first) fetches the first page of the domain's listing; reads that
//     arrive while a page is on its way wait for it.
//   - The rest of a larger domain is fetched (its pages concurrently) only while the reads of
//     that domain so far number at least readsPerPage per page still to fetch, and never for a
//     domain of more than maxListedKeys keys: listing never costs much more than the GETs it
//     replaces, and memory stays bounded.
//   - A key that a listing does not hold is read with its own GET, so a key deleted elsewhere
//     is only dropped on a 404 of its own (a listing can miss a key: it may have been created
//     after the page was made, moved between pages, or an older server's search index may
//     lag).
//   - A key that this client has created, updated or deleted is always read with a GET: a
//     listing taken before the write cannot hide it. So is a key whose listed updated_at is
//     older than the one the caller last saw (an older server's search index lagging behind
//     the previous apply's write): a refresh never goes back in time.
//   - A listing serves reads for refreshWindow after the first read of its domain; later
//     reads start over. A key is served from a listing once; reading it again needs a fresh
//     answer.
//   - A domain whose listing fails (403: the credentials may not list it; or any other error)
//     is read key by key for the rest of this client's life, and the failure is not reported:
//     each GET reports its own errors.
//   - Keys whose domain is not known (an import by id) are read with a GET.

const (
	// refreshWindow is how long a domain's listing serves reads, counted from the first read
	// of that domain; it bounds how old the answer of a refresh can be.
	refreshWindow = 10 * time.Second
	// readsToList: the read of a domain that fetches the first page of its listing.
	readsToList = 2
	// readsPerPage: the rest of a domain's listing is fetched only while the reads of that
	// domain so far are at least this many per page still to fetch.
	readsPerPage = 2
	// maxListedKeys: a domain with more keys than this is never listed past its first page.
	maxListedKeys = 20_000
	// pageFetchers bounds the pages of one listing that are fetched at the same time.
	pageFetchers = 4
)

// refreshBatch holds one client's listings. The zero value is ready to use.
type refreshBatch struct {
	mu         sync.Mutex
	now        func() time.Time // default time.Now
	domains    map[string]*domainListing
	unlistable map[string]bool     // domains whose listing failed
	written    map[string]struct{} // keys this client created, updated or deleted
}

// domainListing is what is known of one domain's listing in the current window.
type domainListing struct {
	authorityID string
	started     time.Time
	reads       int               // reads of the domain in this window
	keys        map[string]APIKey // keys of the pages fetched, not yet served
	total       int               // X-Total-Count of the first page; -1 before it
	next        int               // offset of the first row not fetched yet
	step        int               // rows per page, as the server answered
	pending     chan struct{}     // closed when the pages in flight have arrived; nil if none
}

// RefreshAPIKey reads a key for a refresh of Terraform state: like GetAPIKey, but reads that
// arrive together for keys of the same domain (authorityID, "" when not known) are served from
// that domain's listing. seen is the updated_at the caller last saw (zero when not known): a
// listed answer older than that is not used. Errors are GetAPIKey's: a key that is gone is a
// 404 of its own GET.
func (c *Client) RefreshAPIKey(ctx context.Context, id, authorityID string, seen time.Time) (*APIKey, error) {
	key, err := c.refresh.lookup(ctx, c, id, authorityID, seen)
	if err != nil || key != nil {
		return key, err
	}
	return c.GetAPIKey(ctx, id)
}

// wrote marks a key that this client creates, updates or deletes: from now on it is read with
// a GET, never from a listing.
func (b *refreshBatch) wrote(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written == nil {
		b.written = map[string]struct{}{}
	}
	b.written[id] = struct{}{}
	for _, d := range b.domains {
		delete(d.keys, id)
	}
}

// lookup returns the key from its domain's listing, fetching pages of it when that pays off,
// or nil when the key has to be read with a GET.
func (b *refreshBatch) lookup(ctx context.Context, c *Client, id, authorityID string, seen time.Time) (*APIKey, error) {
	if authorityID == "" {
		return nil, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.written[id]; ok {
		return nil, nil
	}
	d := b.domain(authorityID)
	d.reads++
	// At most two fetches per read: the first page, then the rest of the domain.
	for fetches := 0; !b.unlistable[authorityID]; {
		if k, ok := d.keys[id]; ok {
			delete(d.keys, id)
			if k.UpdatedAt.Before(seen) {
				return nil, nil
			}
			k.Scopes = append([]string(nil), k.Scopes...)
			return &k, nil
		}
		if d.pending != nil {
			pending := d.pending
			b.mu.Unlock()
			select {
			case <-pending:
				b.mu.Lock()
				continue
			case <-ctx.Done():
				b.mu.Lock()
				return nil, ctx.Err()
			}
		}
		offsets := d.toFetch()
		if len(offsets) == 0 || fetches == 2 {
			return nil, nil
		}
		fetches++
		d.pending = make(chan struct{})
		b.mu.Unlock()
		pages, err := c.listAPIKeyPages(ctx, authorityID, offsets, c.pageSize)
		b.mu.Lock()
		d.add(pages, b.written)
		close(d.pending)
		d.pending = nil
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			if b.unlistable == nil {
				b.unlistable = map[string]bool{}
			}
			b.unlistable[authorityID] = true
			if c.log != nil {
				c.log(ctx, "listing API keys failed; refreshing this domain's keys one by one", map[string]any{
					"authority_id": authorityID, "status": statusOf(err),
				})
			}
		}
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, nil
}

// domain returns the listing of the current window, starting a new window when the last one
// has ended. Called with b.mu held.
func (b *refreshBatch) domain(authorityID string) *domainListing {
	now := time.Now
	if b.now != nil {
		now = b.now
	}
	t := now()
	d := b.domains[authorityID]
	if d != nil && (d.pending != nil || t.Sub(d.started) < refreshWindow) {
		return d
	}
	if b.domains == nil {
		b.domains = map[string]*domainListing{}
	}
	d = &domainListing{authorityID: authorityID, started: t, total: -1}
	b.domains[authorityID] = d
	return d
}

// toFetch decides which pages to fetch now (their offsets), if any. Called with b.mu held.
func (d *domainListing) toFetch() []int {
	if d.total < 0 {
		if d.reads < readsToList {
			return nil
		}
		return []int{0}
	}
	if d.next >= d.total || d.total > maxListedKeys || d.step <= 0 {
		return nil
	}
	var offsets []int
	for o := d.next; o < d.total; o += d.step {
		offsets = append(offsets, o)
	}
	if len(offsets)*readsPerPage > d.reads {
		return nil
	}
	return offsets
}

// listedPage is one page of a domain's listing.
type listedPage struct {
	offset int
	keys   []APIKey
	total  int // X-Total-Count; -1 when the server sent none
}

// add merges fetched pages. Keys of another domain are left out (a server that ignores the
// filter), and so are keys written by this client. Called with b.mu held.
func (d *domainListing) add(pages []listedPage, written map[string]struct{}) {
	if d.keys == nil {
		d.keys = map[string]APIKey{}
	}
	for _, p := range pages {
		if p.offset == 0 {
			d.step = len(p.keys)
			d.total = p.total
			if p.total < 0 { // no count: nothing past this page is fetched
				d.total = len(p.keys)
			}
		}
		d.next = max(d.next, p.offset+len(p.keys))
		for _, k := range p.keys {
			if _, ok := written[k.ID]; ok || k.AuthorityID != d.authorityID {
				continue
			}
			k.XAPIKey = ""
			d.keys[k.ID] = k
		}
	}
}

// listAPIKeyPages fetches the pages of a domain's listing at these offsets, pageFetchers at a
// time. It returns the pages that arrived, and the first error.
func (c *Client) listAPIKeyPages(ctx context.Context, authorityID string, offsets []int, limit int) ([]listedPage, error) {
	pages := make([]listedPage, len(offsets))
	errs := make([]error, len(offsets))
	sem := make(chan struct{}, pageFetchers)
	var wg sync.WaitGroup
	for i, offset := range offsets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			pages[i], errs[i] = c.listAPIKeyPage(ctx, authorityID, offset, limit)
		}()
	}
	wg.Wait()
	var got []listedPage
	for i := range pages {
		if errs[i] == nil {
			got = append(got, pages[i])
		}
	}
	return got, errors.Join(errs...)
}

// listAPIKeyPage fetches one page of a domain's keys.
func (c *Client) listAPIKeyPage(ctx context.Context, authorityID string, offset, limit int) (listedPage, error) {
	keys, resp, err := listPage[APIKey](ctx, c, apiKeysPath, filterQuery(authorityID, ""), offset, limit)
	if err != nil {
		return listedPage{}, err
	}
	return listedPage{offset: offset, keys: keys, total: totalCount(resp.header)}, nil
}
