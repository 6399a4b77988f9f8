#!/usr/bin/env bash
# Tests scripts/deps.sh without installing anything: apt-get, sudo and pkill are fakes on a PATH
# holding nothing else, so every package counts as missing. Checks that no service can start
# while packages install (policy-rc.d answers 101 then), that a policy-rc.d of the machine's own
# is put back byte for byte, that a failed install cleans up too, and that nothing is stopped by
# name.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-deps: FAIL: $*" >&2; exit 1; }

bin="$work/bin"
mkdir -p "$bin"
for tool in cat rm mv chmod grep mktemp id tee printf; do
  real=$(command -v "$tool") || continue
  [[ $real == /* ]] && ln -s "$real" "$bin/$tool"
done
cat > "$bin/sudo" <<'SH'
#!/bin/sh
exec "$@"
SH
cat > "$bin/pkill" <<'SH'
#!/bin/sh
echo "pkill $*" >> "$FAKE_LOG"
SH
cp "$bin/pkill" "$bin/killall"
sed -i 's/pkill/killall/' "$bin/killall"
cat > "$bin/apt-get" <<'SH'
#!/bin/sh
case $1 in
  update) exit 0 ;;
  install)
    shift
    if [ -x "$HIGRESS_AI_POLICY_RC" ]; then "$HIGRESS_AI_POLICY_RC" redis-server start; echo "policy $?" >> "$FAKE_LOG"; else echo "policy missing" >> "$FAKE_LOG"; fi
    echo "install $*" >> "$FAKE_LOG"
    [ -z "$FAKE_APT_FAIL" ] || { echo "E: Unable to locate package" >&2; exit 100; }
    exit 0 ;;
esac
exit 2
SH
chmod 755 "$bin"/*

run() { # run CASE [env...]: deps.sh on the fakes; its exit code in $code
  local name=$1; shift
  export FAKE_LOG="$work/$name.log" HIGRESS_AI_POLICY_RC="$work/$name/policy-rc.d"
  mkdir -p "$work/$name"
  : > "$FAKE_LOG"
  code=0
  env PATH="$bin" "$@" "$BASH" scripts/deps.sh 2> "$work/$name.err" || code=$?
}

# No policy-rc.d on the machine: one answering 101 during the install, none afterwards.
run fresh
((code == 0)) || fail "fresh: exit $code: $(cat "$work/fresh.err")"
grep -qx "policy 101" "$work/fresh.log" || fail "fresh: services could start during the install: $(cat "$work/fresh.log")"
grep -q "^install .*docker-registry" "$work/fresh.log" || fail "fresh: docker-registry not installed"
grep -q "^install .*redis-server" "$work/fresh.log" || fail "fresh: redis-server not installed"
[[ ! -e $HIGRESS_AI_POLICY_RC ]] || fail "fresh: policy-rc.d left behind"
! grep -Eq "^(pkill|killall)" "$work/fresh.log" || fail "fresh: stopped processes by name: $(grep -E '^(pkill|killall)' "$work/fresh.log")"

# The machine's own policy-rc.d: replaced during the install, put back as it was.
mkdir -p "$work/own"
printf '#!/bin/sh\n# the admin'"'"'s own\nexit 0\n' > "$work/own/policy-rc.d"
chmod 750 "$work/own/policy-rc.d"
before=$(cat "$work/own/policy-rc.d")
run own
((code == 0)) || fail "own: exit $code: $(cat "$work/own.err")"
grep -qx "policy 101" "$work/own.log" || fail "own: the install ran under the machine's policy: $(cat "$work/own.log")"
[[ $(cat "$HIGRESS_AI_POLICY_RC") == "$before" ]] || fail "own: policy-rc.d not restored"
[[ $(stat -c %a "$HIGRESS_AI_POLICY_RC") == 750 ]] || fail "own: policy-rc.d mode not restored"
[[ ! -e $HIGRESS_AI_POLICY_RC.higress-ai-saved ]] || fail "own: saved copy left behind"

# A failed install: exit 1 with apt-get's output, and the machine's policy-rc.d back all the same.
mkdir -p "$work/failed"
printf '#!/bin/sh\nexit 0\n' > "$work/failed/policy-rc.d"
chmod 755 "$work/failed/policy-rc.d"
run failed FAKE_APT_FAIL=1
((code == 1)) || fail "failed: exit $code"
grep -q "Unable to locate package" "$work/failed.err" || fail "failed: apt-get's error not shown"
[[ $(cat "$HIGRESS_AI_POLICY_RC") == $'#!/bin/sh\nexit 0' ]] || fail "failed: policy-rc.d not restored"

# A run killed mid-install left its policy-rc.d and the saved one: the next run puts things back.
mkdir -p "$work/killed"
printf '#!/bin/sh\nexit 0\n' > "$work/killed/policy-rc.d.higress-ai-saved"
printf '#!/bin/sh\n# higress-ai scripts/deps.sh: no service starts while packages install\nexit 101\n' > "$work/killed/policy-rc.d"
chmod 755 "$work/killed/policy-rc.d"
run killed
((code == 0)) || fail "killed: exit $code: $(cat "$work/killed.err")"
[[ $(cat "$HIGRESS_AI_POLICY_RC") == $'#!/bin/sh\nexit 0' ]] || fail "killed: the machine's policy-rc.d not restored"
[[ ! -e $HIGRESS_AI_POLICY_RC.higress-ai-saved ]] || fail "killed: saved copy left behind"

echo "test-deps: ok" >&2
