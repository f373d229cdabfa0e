package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

var tinyArgs = []string{"-nodes", "40", "-duration", "3h", "-warmup", "1h", "-surge-at", "2h", "-surge-window", "20m"}

func tiny() Config {
	c := DefaultConfig()
	c.Nodes = 40
	c.Duration = 3 * time.Hour
	c.Warmup = time.Hour
	c.SurgeAt = 2 * time.Hour
	c.SurgeWindow = 20 * time.Minute
	return c
}

// The program runs on a tiny cluster, prints the table, and prints the
// same table again for the same seed.
func TestRunTiny(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(tinyArgs, &a, io.Discard); err != nil {
		t.Fatalf("run(%q) = %v, want nil", tinyArgs, err)
	}
	if err := run(tinyArgs, &b, io.Discard); err != nil {
		t.Fatalf("second run = %v", err)
	}
	if a.String() != b.String() {
		t.Errorf("two runs with one seed differ:\n%s\n---\n%s", a.String(), b.String())
	}
	out := a.String()
	for _, want := range []string{"40 nodes, 200 service accounts", "| pulls as | kubelet caches by |", "| node | registry | on |", "| pod as GSA | ServiceAccount | on |", "STS 6,000 exchanges/min"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if rows := strings.Count(out, "\n| "); rows != 1+len(Models) {
		t.Errorf("table has %d rows (header included), want %d:\n%s", rows, 1+len(Models), out)
	}
	var other bytes.Buffer
	if err := run(append([]string{"-seed", "2"}, tinyArgs...), &other, io.Discard); err != nil {
		t.Fatal(err)
	}
	if other.String() == out {
		t.Errorf("seeds 1 and 2 give the same table")
	}
}

func TestRunRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"-nodes", "0"},
		{"-warmup", "9h"},
		{"-surge-at", "1h"}, // before the warmup ends
		{"-opt-in", "1.5"},
		{"-jwt-life", "5m"},
		{"-margin", "2h"},
		{"extra"},
		{"-no-such-flag"},
	} {
		var out bytes.Buffer
		if err := run(args, &out, io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
		if out.Len() != 0 {
			t.Errorf("run(%q) wrote %q, want nothing", args, out.String())
		}
	}
}

// What the model must get right, whatever the numbers.
func TestInvariants(t *testing.T) {
	s, err := Run(tiny())
	if err != nil {
		t.Fatal(err)
	}
	if s.PodStarts == 0 || s.Lookups <= s.PodStarts {
		t.Fatalf("pod starts %d, lookups %d: want starts > 0 and more lookups than starts", s.PodStarts, s.Lookups)
	}
	total := map[Model]struct{ runs, sts, iam int64 }{}
	for _, r := range s.Results {
		total[r.Model] = struct{ runs, sts, iam int64 }{r.Runs, sum(r.STS), sum(r.IAM)}
	}
	for m, n := range total {
		switch {
		case m.Identity == idNode && (n.sts != 0 || n.iam != 0):
			t.Errorf("%+v: node identity made %d STS and %d IAM calls, want none", m, n.sts, n.iam)
		case m.Identity == idFederated && n.iam != 0:
			t.Errorf("%+v: federated identity made %d IAM calls, want none", m, n.iam)
		case m.Identity == idGSA && n.iam != n.sts:
			t.Errorf("%+v: %d IAM calls for %d exchanges, want one each", m, n.iam, n.sts)
		case m.Kubelet == kNone && n.runs != s.Lookups:
			t.Errorf("%+v: %d plugin runs for %d pulls, want one per pull with nothing cached", m, n.runs, s.Lookups)
		}
	}
	for _, id := range []int{idFederated, idGSA} {
		for _, k := range []int{kToken, kSA} {
			off, on := total[Model{id, k, false}], total[Model{id, k, true}]
			if on.sts > off.sts {
				t.Errorf("identity %d, kubelet %d: %d exchanges with the helper's cache, %d without: the cache adds work", id, k, on.sts, off.sts)
			}
		}
		if tok, sa := total[Model{id, kToken, false}], total[Model{id, kSA, false}]; sa.sts > tok.sts {
			t.Errorf("identity %d: cacheType ServiceAccount made %d exchanges, Token %d", id, sa.sts, tok.sts)
		}
		if none, tok := total[Model{id, kNone, false}], total[Model{id, kToken, false}]; none.sts != 0 && tok.sts > none.sts {
			t.Errorf("identity %d: caching by token made %d exchanges, not caching %d", id, tok.sts, none.sts)
		}
	}
}

// With every service account on the node's identity, pod identity costs
// nothing upstream.
func TestNoOptIn(t *testing.T) {
	c := tiny()
	c.OptIn = 0
	s, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Results {
		if n := sum(r.STS) + sum(r.IAM); n != 0 {
			t.Errorf("%+v: %d upstream calls with no service account opted in, want 0", r.Model, n)
		}
	}
}

func TestNum(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567", -4500: "-4,500"} {
		if got := num(in); got != want {
			t.Errorf("num(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[time.Duration]string{4 * time.Hour: "4h", 30 * time.Minute: "30m", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s"} {
		if got := dur(in); got != want {
			t.Errorf("dur(%v) = %q, want %q", in, got, want)
		}
	}
}
