// Command capsim estimates, on paper, what per-pod image pull identity costs
// upstream: how many Security Token Service exchanges and IAM Credentials
// generateAccessToken calls a cluster makes per hour and in its busiest
// minute, with the kubelet's credential cache alone and with the helper's
// own token cache, against Google's published per-minute quotas. It is the
// model behind the capacity section of docs/kubernetes.md:
//
//	go run ./internal/tools/capsim
//
// The run is deterministic for a seed. It models, per node: pods that start
// and end (each start pulls every image of the pod, and a running pod pulls
// again now and then), the kubelet's token manager (one service-account
// token per pod, replaced at 80% of its life), the kubelet's answer cache
// (keyed by registry and by token or service account, per
// tokenAttributes.cacheType; kept for the answer's cacheDuration), and the
// helper's cache (one token per service account per node, whatever the
// registry, reused until the refresh margin). A federated token lives no
// longer than the JWT it was exchanged for; an impersonated one lives an
// hour. A surge replaces every node in turn: new machines, empty caches,
// every pod started again.
//
// What it leaves out: concurrency (the kubelet's single-flight and the
// helper's file lock only merge simultaneous requests), kubelet restarts
// (they empty the kubelet's cache, not the helper's), retries after
// errors, and the API server's TokenRequest load.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "capsim:", err)
		os.Exit(2)
	}
}

func run(args []string, out, errOut io.Writer) error {
	c := DefaultConfig()
	fs := flag.NewFlagSet("capsim", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.IntVar(&c.Nodes, "nodes", c.Nodes, "nodes")
	fs.IntVar(&c.SAs, "service-accounts", c.SAs, "Kubernetes service accounts")
	fs.IntVar(&c.PodsPerNode, "pods", c.PodsPerNode, "pods per node")
	fs.IntVar(&c.Containers, "containers", c.Containers, "images per pod")
	fs.IntVar(&c.Registries, "registries", c.Registries, "Google registry hosts")
	fs.DurationVar(&c.PodLife, "pod-life", c.PodLife, "mean pod lifetime")
	fs.Float64Var(&c.Repulls, "repulls", c.Repulls, "pulls per running pod per hour after its start")
	fs.Float64Var(&c.Zipf, "zipf", c.Zipf, "skew of pods over service accounts (0: uniform)")
	fs.Float64Var(&c.OptIn, "opt-in", c.OptIn, "share of service accounts that pull as themselves (1: kubelet_identity=pod; less: annotated)")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "simulated time")
	fs.DurationVar(&c.Warmup, "warmup", c.Warmup, "time before measuring")
	fs.DurationVar(&c.SurgeAt, "surge-at", c.SurgeAt, "when every node starts being replaced")
	fs.DurationVar(&c.SurgeWindow, "surge-window", c.SurgeWindow, "how long replacing every node takes (0: no surge)")
	fs.DurationVar(&c.JWTLife, "jwt-life", c.JWTLife, "life of the kubelet's service-account tokens")
	fs.DurationVar(&c.Margin, "margin", c.Margin, "the helper's refresh margin")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	s, err := Run(c)
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, s.Table())
	return err
}

// Published default quotas (https://cloud.google.com/iam/quotas), per project.
const (
	stsQuotaPerMinute = 6000  // Security Token Service: exchange token requests
	iamQuotaPerMinute = 60000 // Service Account Credentials API: requests to generate credentials
)

// Table renders the result as Markdown.
func (s *Sim) Table() string {
	c := s.Config
	var b strings.Builder
	steadyTo := c.Duration
	if c.SurgeWindow > 0 {
		steadyTo = c.SurgeAt
	}
	hours := (steadyTo - c.Warmup).Hours()
	fmt.Fprintf(&b, "%d nodes, %d service accounts (Zipf %g), %d pods per node, %d images per pod from %d registries,\n",
		c.Nodes, c.SAs, c.Zipf, c.PodsPerNode, c.Containers, c.Registries)
	fmt.Fprintf(&b, "pods live %s on average, %g re-pulls per pod-hour, %g%% of service accounts pull as themselves;\nJWT %s, refresh margin %s, seed %d.\n",
		dur(c.PodLife), c.Repulls, 100*c.OptIn, dur(c.JWTLife), dur(c.Margin), c.Seed)
	fmt.Fprintf(&b, "Steady state %s to %s: %s pod starts and %s Google image pulls per hour.",
		dur(c.Warmup), dur(steadyTo), num(float64(s.PodStarts)/hours), num(float64(s.Lookups)/hours))
	if c.SurgeWindow > 0 {
		fmt.Fprintf(&b, " Surge: every node replaced from %s over %s.", dur(c.SurgeAt), dur(c.SurgeWindow))
	}
	b.WriteString("\n\n")
	b.WriteString("| pulls as | kubelet caches by | helper cache | plugin runs /h | STS /h | STS peak /min | STS peak /min in surge | IAM Credentials /h | IAM peak /min in surge |\n")
	b.WriteString("|---|---|---|--:|--:|--:|--:|--:|--:|\n")
	from, to := int(c.Warmup/time.Minute), int(steadyTo/time.Minute)
	for _, r := range s.Results {
		m := r.Model
		stsH := float64(sum(r.STS[from:to])) / hours
		iamH := float64(sum(r.IAM[from:to])) / hours
		surgeSTS, surgeIAM := "–", "–"
		if c.SurgeWindow > 0 {
			surgeSTS = quota(peak(r.STS[to:]), stsQuotaPerMinute)
			surgeIAM = quota(peak(r.IAM[to:]), iamQuotaPerMinute)
		}
		helper := "off"
		if m.Helper {
			helper = "on"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			identityName[m.Identity], kubeletName[m.Kubelet], helper,
			num(float64(r.Runs)/hours), num(stsH), quota(peak(r.STS[from:to]), stsQuotaPerMinute),
			surgeSTS, num(iamH), surgeIAM)
	}
	fmt.Fprintf(&b, "\nPercentages are of the default per-project quotas: STS %s exchanges/min, IAM Credentials %s requests/min.\n",
		num(stsQuotaPerMinute), num(iamQuotaPerMinute))
	return b.String()
}

var identityName = map[int]string{idNode: "node", idFederated: "pod (federated)", idGSA: "pod as GSA"}
var kubeletName = map[int]string{kNone: "nothing (cacheDuration 0)", kRegistry: "registry", kToken: "Token", kSA: "ServiceAccount"}

func sum(xs []int32) int64 {
	var n int64
	for _, x := range xs {
		n += int64(x)
	}
	return n
}

func peak(xs []int32) int32 {
	var p int32
	for _, x := range xs {
		p = max(p, x)
	}
	return p
}

func quota(n int32, q int) string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("%s (%.0f%%)", num(float64(n)), 100*float64(n)/float64(q))
}

// num renders n rounded, with thousands separators.
func num(n float64) string {
	s := fmt.Sprintf("%.0f", n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// dur renders a duration without zero units: 4h, 30m, 1h30m.
func dur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
