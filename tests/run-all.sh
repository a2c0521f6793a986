#!/usr/bin/env bash
# Runs every Salix test: Catch2 unit tests through meson, then each VM test.
# Needs the environment ./salix test sets up (build dir, SALIX_QEMU, ...).
# Ends with one summary line: "tests: N passed, M failed".
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix test}"
build=$SALIX_ROOT/build
passed=0
failed=0
failed_names=()

say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }

# Unit tests: count Catch2 test cases from meson's log of the run.
say "unit tests (meson test)"
unit_status=0
meson test -C "$build" --print-errorlogs --suite unit || unit_status=$?
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
  "$t" 2>&1 | tee "$out" || status=${PIPESTATUS[0]}
  ok=$(grep -c '^CHECK ok' "$out" || true)
  bad=$(grep -c '^CHECK FAIL' "$out" || true)
  if [[ $status -ne 0 && $bad -eq 0 ]]; then bad=1; fi
  passed=$((passed + ok))
  failed=$((failed + bad))
  [[ $bad -eq 0 ]] || failed_names+=("vm/$name")
  rm -f "$out"
done

echo
[[ ${#failed_names[@]} -eq 0 ]] || say "failed: ${failed_names[*]}"
echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
