package placeos

import "time"

// SetRefreshClock replaces the clock that ends a batched refresh's window.
func SetRefreshClock(c *Client, now func() time.Time) {
	c.refresh.mu.Lock()
	defer c.refresh.mu.Unlock()
	c.refresh.now = now
}
