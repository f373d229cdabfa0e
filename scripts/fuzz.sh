#!/usr/bin/env bash
# Runs every Go fuzz target of the module (func FuzzXxx in a _test.go, found
# afresh each run), one at a time, for FUZZTIME each; `make fuzz` calls it.
#
#   FUZZTIME      how long each target runs (go test -fuzztime), default 10s
#   FUZZMINIMIZE  bound on minimising a new input, default 1000x
#   FUZZ          a regexp picking targets by name, default all
#   FUZZPARALLEL  fuzz workers per target (go test -parallel), default GOMAXPROCS
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when -fuzztime ends while a worker is mid-call on a loaded machine
# (golang/go#75804, fixed in Go 1.27): no input is at fault and none is saved.
# Such a run is tried again, at most twice, and said so; a run that saved a
# failing input, or failed any other way, fails at once.
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10s}
FUZZMINIMIZE=${FUZZMINIMIZE:-1000x}
FUZZ=${FUZZ:-.}
FUZZPARALLEL=${FUZZPARALLEL:-}

summary=$(mktemp)
log=$(mktemp)
trap 'rm -f "$summary" "$log"' EXIT

# coordinator_race: the run failed only with the coordinator's deadline error
# and saved no new input under testdata/fuzz/NAME.
coordinator_race() {
  local dir=$1 name=$2 before=$3
  grep -q '^    context deadline exceeded$' "$log" || return 1
  grep -q -e 'panic:' -e 'Failing input written' -e '--- FAIL: .*/' "$log" && return 1
  [ "$(ls "$dir/testdata/fuzz/$name" 2>/dev/null | wc -l)" = "$before" ]
}

for file in $(grep -rl --include='*_test.go' --exclude-dir=.git --exclude-dir=.tools --exclude-dir=e2e --exclude-dir=dist '^func Fuzz' . | sort); do
  dir=$(dirname "$file")
  for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file" | grep -E "$FUZZ"); do
    for try in 1 2 3; do
      echo "fuzz: $name in $dir for $FUZZTIME"
      before=$(ls "$dir/testdata/fuzz/$name" 2>/dev/null | wc -l)
      # -timeout above -fuzztime: go test's default 10m would end a 10m run.
      if go test -run='^$' -fuzz="^$name\$" -fuzztime="$FUZZTIME" -fuzzminimizetime="$FUZZMINIMIZE" \
        -timeout=3h ${FUZZPARALLEL:+-parallel=$FUZZPARALLEL} "$dir" >"$log" 2>&1; then
        printf '%-24s %-14s %s\n' "$name" "$dir" "$(grep -o 'elapsed: .*' "$log" | tail -1)" | tee -a "$summary"
        continue 2
      fi
      if [ "$try" -lt 3 ] && coordinator_race "$dir" "$name" "$before"; then
        echo "fuzz: $name stopped with Go's fuzz coordinator race (golang/go#75804: 'context deadline exceeded', no input saved); running it again"
        continue
      fi
      cat "$log"
      echo "fuzz: $name in $dir FAILED (output above; a failing input is saved under $dir/testdata/fuzz/$name)"
      echo "fuzz: passed before it:"
      cat "$summary"
      exit 1
    done
  done
done
echo "fuzz: every target passed:"
cat "$summary"
