package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Config is one cluster and its workload.
type Config struct {
	Nodes       int           // nodes in the cluster
	SAs         int           // Kubernetes service accounts whose pods pull images
	PodsPerNode int           // pods running on each node
	Containers  int           // images per pod
	Registries  int           // Google registry hosts the images come from
	PodLife     time.Duration // mean pod lifetime (exponential); a pod that ends is replaced at once
	Repulls     float64       // pulls per running pod per hour after its start (restarts with imagePullPolicy: Always)
	Zipf        float64       // skew of pods over service accounts (0: uniform)
	OptIn       float64       // share of service accounts that pull as themselves; the others pull as the node (kubelet_identity=annotated)
	Duration    time.Duration // simulated time
	Warmup      time.Duration // measurement starts here
	SurgeAt     time.Duration // every node is replaced, in node order, from here ...
	SurgeWindow time.Duration // ... over this long; 0: no surge
	JWTLife     time.Duration // the kubelet's service-account tokens (TokenRequest default: 1h)
	Margin      time.Duration // the helper's refresh margin
	Seed        uint64
}

// DefaultConfig is the cluster of docs/kubernetes.md.
func DefaultConfig() Config {
	return Config{
		Nodes:       5000,
		SAs:         200,
		PodsPerNode: 30,
		Containers:  2,
		Registries:  2,
		PodLife:     4 * time.Hour,
		Repulls:     0.25,
		Zipf:        1.1,
		OptIn:       1,
		Duration:    8 * time.Hour,
		Warmup:      2 * time.Hour,
		SurgeAt:     5 * time.Hour,
		SurgeWindow: 30 * time.Minute,
		JWTLife:     time.Hour,
		Margin:      5 * time.Minute,
		Seed:        1,
	}
}

func (c Config) check() error {
	switch {
	case c.Nodes < 1, c.SAs < 1, c.PodsPerNode < 1, c.Containers < 1, c.Registries < 1:
		return fmt.Errorf("nodes, service accounts, pods per node, containers and registries must be at least 1")
	case c.Registries > 127:
		return fmt.Errorf("at most 127 registries")
	case c.SAs > math.MaxInt16:
		return fmt.Errorf("at most %d service accounts", math.MaxInt16)
	case c.PodLife < time.Minute:
		return fmt.Errorf("pod life %s: want at least 1m", c.PodLife)
	case c.Repulls < 0, c.Zipf < 0:
		return fmt.Errorf("repulls and zipf must not be negative")
	case c.OptIn < 0 || c.OptIn > 1:
		return fmt.Errorf("opt-in %g: want a share between 0 and 1", c.OptIn)
	case c.Duration < time.Hour || c.Duration > 48*time.Hour:
		return fmt.Errorf("duration %s: want 1h to 48h", c.Duration)
	case c.Warmup < 0 || c.Warmup >= c.Duration:
		return fmt.Errorf("warmup %s must be shorter than the duration %s", c.Warmup, c.Duration)
	case c.SurgeWindow < 0:
		return fmt.Errorf("surge window must not be negative")
	case c.SurgeWindow > 0 && (c.SurgeAt <= c.Warmup || c.SurgeAt+c.SurgeWindow > c.Duration):
		return fmt.Errorf("the surge (%s for %s) must start after the warmup (%s) and end before %s", c.SurgeAt, c.SurgeWindow, c.Warmup, c.Duration)
	case c.JWTLife < 10*time.Minute:
		return fmt.Errorf("JWT life %s: the API server's minimum is 10m", c.JWTLife)
	case c.Margin < 0 || c.Margin >= time.Hour:
		return fmt.Errorf("margin %s: want 0 to 59m", c.Margin)
	}
	return nil
}

// Identities a pull runs as.
const (
	idNode      = iota // the node's metadata-server identity (today)
	idFederated        // the pod's federated principal (STS only)
	idGSA              // a Google service account impersonated from it (STS + IAM Credentials)
)

// What the kubelet caches an answer by.
const (
	kNone     = iota // cacheDuration 0: every pull runs the plugin
	kRegistry        // node identity: one answer per registry
	kToken           // tokenAttributes.cacheType: Token
	kSA              // tokenAttributes.cacheType: ServiceAccount
)

// Model is one way to run the plugin.
type Model struct {
	Identity int
	Kubelet  int
	Helper   bool // the helper's own token cache
}

// Models are the rows of the table.
var Models = []Model{
	{idNode, kRegistry, true},
	{idFederated, kNone, false},
	{idFederated, kToken, false},
	{idFederated, kSA, false},
	{idFederated, kToken, true},
	{idFederated, kSA, true},
	{idGSA, kToken, false},
	{idGSA, kSA, false},
	{idGSA, kToken, true},
	{idGSA, kSA, true},
}

// Result counts what one model sends upstream.
type Result struct {
	Model Model
	Runs  int64   // plugin processes the kubelet starts (steady window)
	STS   []int32 // token exchanges per simulated minute
	IAM   []int32 // generateAccessToken calls per simulated minute
}

// Sim is the outcome of a run.
type Sim struct {
	Config    Config
	PodStarts int64 // in the steady window
	Lookups   int64 // credential lookups (image pulls of Google images) in the steady window
	Results   []Result
}

type event struct {
	t     int64 // seconds
	clear bool  // the node is replaced: every cache on it is gone
	pod   int32
	sa    int16
	reg   int8
	start bool // the first pull of a new pod
}

type kkey struct {
	reg int8
	sa  int16
	pod int32
	iat int64
}

type state struct {
	kcache map[kkey]int64 // the kubelet's answers: expiry
	hcache map[int16]int64
	node   int64 // the helper's cached node token: expiry
}

// Run simulates the cluster. Each node is independent (both caches are per
// node), so nodes run one after another with their own seeded generator.
func Run(c Config) (*Sim, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	minutes := int(c.Duration / time.Minute)
	s := &Sim{Config: c, Results: make([]Result, len(Models))}
	for i, m := range Models {
		s.Results[i] = Result{Model: m, STS: make([]int32, minutes), IAM: make([]int32, minutes)}
	}
	cdf := zipfCDF(c.SAs, c.Zipf)
	opted := optedIn(c.SAs, c.OptIn)
	states := make([]state, len(Models))
	for i := range states {
		states[i] = state{kcache: map[kkey]int64{}, hcache: map[int16]int64{}}
	}
	var tokIat []int64 // per pod: when the kubelet's current token for it was issued (-1: none)
	steadyFrom, steadyTo := sec(c.Warmup), sec(c.Duration)
	if c.SurgeWindow > 0 {
		steadyTo = sec(c.SurgeAt)
	}
	for n := range c.Nodes {
		rng := rand.New(rand.NewPCG(c.Seed, uint64(n)))
		events, pods := nodeEvents(c, n, rng, cdf)
		tokIat = slices.Grow(tokIat[:0], pods)[:pods]
		for i := range tokIat {
			tokIat[i] = -1
		}
		for i := range states {
			clear(states[i].kcache)
			clear(states[i].hcache)
			states[i].node = 0
		}
		for _, e := range events {
			if e.clear {
				for i := range states {
					clear(states[i].kcache)
					clear(states[i].hcache)
					states[i].node = 0
				}
				continue
			}
			steady := e.t >= steadyFrom && e.t < steadyTo
			if steady {
				s.Lookups++
				if e.start {
					s.PodStarts++
				}
			}
			// The kubelet's token manager: one token per pod, requested on
			// demand, replaced once 80% of its life has passed.
			if iat := tokIat[e.pod]; iat < 0 || e.t-iat >= sec(c.JWTLife)*8/10 {
				tokIat[e.pod] = e.t
			}
			for i := range Models {
				lookup(c, &s.Results[i], &states[i], e, tokIat[e.pod], opted[e.sa], steady)
			}
		}
	}
	return s, nil
}

func lookup(c Config, r *Result, st *state, e event, iat int64, opted, steady bool) {
	m := r.Model
	t := e.t
	var key kkey
	switch m.Kubelet {
	case kRegistry:
		key = kkey{reg: e.reg}
	case kToken:
		key = kkey{reg: e.reg, sa: e.sa, pod: e.pod, iat: iat}
	case kSA:
		key = kkey{reg: e.reg, sa: e.sa}
	}
	if m.Kubelet != kNone {
		if exp, ok := st.kcache[key]; ok && exp > t {
			return
		}
	}
	if steady {
		r.Runs++
	}
	margin := sec(c.Margin)
	var remaining int64
	switch {
	case m.Identity == idNode || !opted:
		// The metadata server: no STS, no IAM Credentials.
		if st.node-t <= margin {
			st.node = t + 3600
		}
		remaining = st.node - t
	case m.Helper && st.hcache[e.sa]-t > margin:
		remaining = st.hcache[e.sa] - t
	default:
		minute := int(t / 60)
		r.STS[minute]++
		life := int64(3600)
		if m.Identity == idFederated {
			// A federated token lives no longer than the JWT it came from.
			life = min(life, iat+sec(c.JWTLife)-t)
		} else {
			r.IAM[minute]++
		}
		if m.Helper {
			st.hcache[e.sa] = t + life
		}
		remaining = life
	}
	if d := remaining - margin; m.Kubelet != kNone && d > 0 {
		st.kcache[key] = t + d
	}
}

// nodeEvents returns node n's lookups in time order, and how many pods it
// ran. Pods of each slot follow one another; the surge replaces the node.
func nodeEvents(c Config, n int, rng *rand.Rand, cdf []float64) ([]event, int) {
	end := sec(c.Duration)
	replaced := int64(-1)
	if c.SurgeWindow > 0 {
		replaced = sec(c.SurgeAt) + sec(c.SurgeWindow)*int64(n)/int64(c.Nodes)
	}
	var events []event
	pods := 0
	podLife := float64(sec(c.PodLife))
	addPod := func(start, stop int64, fresh bool) {
		id := int32(pods)
		pods++
		sa := int16(pick(rng, cdf))
		regs := make([]int8, c.Containers)
		for i := range regs {
			regs[i] = int8(rng.IntN(c.Registries))
		}
		if fresh {
			for i, reg := range regs {
				events = append(events, event{t: start, pod: id, sa: sa, reg: reg, start: i == 0})
			}
		}
		if c.Repulls > 0 {
			rate := c.Repulls / 3600
			for t := max(start, 0) + int64(rng.ExpFloat64()/rate); t < stop; t += int64(rng.ExpFloat64() / rate) {
				events = append(events, event{t: t, pod: id, sa: sa, reg: regs[rng.IntN(len(regs))]})
			}
		}
	}
	for range c.PodsPerNode {
		// A pod already running at t=0 (memoryless: its remaining life is
		// exponential too), then its successors.
		t := int64(0)
		fresh := false
		for t < end {
			stop := t + int64(rng.ExpFloat64()*podLife) + 1
			if replaced >= 0 && t < replaced && stop > replaced {
				addPod(t, replaced, fresh)
				t = replaced + int64(rng.IntN(60)) // rescheduled on the new node within a minute
				fresh = true
				continue
			}
			addPod(t, min(stop, end), fresh)
			t = stop
			fresh = true
		}
	}
	if replaced >= 0 {
		events = append(events, event{t: replaced, clear: true})
	}
	slices.SortStableFunc(events, func(a, b event) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		case a.clear != b.clear: // the node is gone before its replacement pulls
			if a.clear {
				return -1
			}
			return 1
		}
		return 0
	})
	return events, pods
}

// optedIn spreads the opted-in service accounts evenly over popularity
// ranks (a golden-ratio sequence), so that the share of pulls they make is
// close to their share of service accounts.
func optedIn(n int, share float64) []bool {
	in := make([]bool, n)
	for i := range in {
		f := float64(i) * 0.6180339887498949
		in[i] = f-math.Floor(f) < share
	}
	return in
}

func zipfCDF(n int, s float64) []float64 {
	cdf := make([]float64, n)
	sum := 0.0
	for i := range n {
		sum += 1 / math.Pow(float64(i+1), s)
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	return cdf
}

func pick(rng *rand.Rand, cdf []float64) int {
	i, _ := slices.BinarySearch(cdf, rng.Float64())
	return min(i, len(cdf)-1)
}

func sec(d time.Duration) int64 { return int64(d / time.Second) }
