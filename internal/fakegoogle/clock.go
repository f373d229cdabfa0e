package fakegoogle

import (
	"sync"
	"time"
)

// Clock is a settable time source for Options.Now: a test moves it
// forward to expire what the fake issued.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock is a Clock at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
