#!/usr/bin/env bash
# Runs every Salix test: Catch2 unit tests through meson, then each VM test.
# Needs the environment ./salix test sets up (build dir, SALIX_QEMU, ...).
# Ends with a time per test, the end of each failed test's output (CI logs
# are often read from the tail) and one summary line: "tests: N passed, M
# failed".
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix test}"
build=$SALIX_ROOT/build
passed=0
failed=0
failed_names=()
timings=()
digests=$(mktemp -d)
trap 'rm -rf "$digests"' EXIT

say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }

# Unit tests: count Catch2 test cases from meson's log of the run.
say "unit tests (meson test)"
unit_status=0
t0=$SECONDS
meson test -C "$build" --print-errorlogs --suite unit || unit_status=$?
timings+=("unit $((SECONDS - t0))")
unit_log=$build/meson-logs/testlog.txt
if line=$(grep -aoE 'All tests passed \([0-9]+ assertions? in [0-9]+ test cases?\)' "$unit_log" | tail -n 1); then
  n=$(sed -E 's/.* in ([0-9]+) test case.*/\1/' <<<"$line")
  passed=$((passed + n))
elif line=$(grep -aoE 'test cases: *[0-9]+ \| *[0-9]+ passed \| *[0-9]+ failed' "$unit_log" | tail -n 1); then
  passed=$((passed + $(sed -E 's/.*\| *([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*\| *([0-9]+) failed.*/\1/' <<<"$line")))
  failed_names+=(unit)
fi
if [[ $unit_status -ne 0 && ! " ${failed_names[*]} " == *" unit "* ]]; then
  failed=$((failed + 1))
  failed_names+=(unit)
fi
[[ " ${failed_names[*]} " != *" unit "* ]] || tail -n 60 "$unit_log" >"$digests/unit" 2>/dev/null || true

# VM tests: each prints CHECK lines; every check counts.
for t in "$SALIX_ROOT"/tests/vm/*.sh; do
  name=$(basename "$t" .sh)
  [[ $name == common ]] && continue
  # SALIX_VM_SKIP="name ...": VM tests to leave out (e.g. "array array-host",
  # ~3 min each under TCG); none by default.
  if [[ " ${SALIX_VM_SKIP-} " == *" $name "* ]]; then
    say "vm test: $name SKIPPED (SALIX_VM_SKIP; run it with tests/vm/$name.sh)"
    continue
  fi
  say "vm test: $name"
  out=$(mktemp)
  status=0
  t0=$SECONDS
  "$t" 2>&1 | tee "$out" || status=${PIPESTATUS[0]}
  timings+=("vm/$name $((SECONDS - t0))")
  ok=$(grep -c '^CHECK ok' "$out" || true)
  bad=$(grep -c '^CHECK FAIL' "$out" || true)
  if [[ $status -ne 0 && $bad -eq 0 ]]; then bad=1; fi
  passed=$((passed + ok))
  failed=$((failed + bad))
  if [[ $bad -ne 0 ]]; then
    failed_names+=("vm/$name")
    # The failed checks with their output, then the launcher's last words
    # (its error and the console's tail).
    { grep -a -A21 '^CHECK FAIL' "$out" | head -n 80 || true; echo "    ..."; tail -n 150 "$out"; } \
      >"$digests/vm-$name"
  fi
  rm -f "$out"
done

echo
say "time per test (s): $(printf '%s, ' "${timings[@]}" | sed 's/, $//')"
for f in "$digests"/*; do
  [[ -e $f ]] || continue
  say "end of the output of failed test ${f##*/}:"
  cat "$f"
done
[[ ${#failed_names[@]} -eq 0 ]] || say "failed: ${failed_names[*]}"
echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
