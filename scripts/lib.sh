# Shared helpers for the project's scripts. Source it; do not run it.
# Every install goes through Debian's apt or the Go module proxy, by name.

GO_VERSION=1.26.8

say() { printf 'switchboard: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# as_root runs a command as root: directly when we are root, else via sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/tmp/switchboard-apt.log 2>&1; then
    if [ -z "$APT_UPDATED" ]; then
      say "running apt-get update first"
      as_root apt-get update -q >>/tmp/switchboard-apt.log 2>&1 || true
      APT_UPDATED=1
    fi
    as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >>/tmp/switchboard-apt.log 2>&1 \
      || { tail -20 /tmp/switchboard-apt.log >&2; die "could not install ${missing[*]} (log: /tmp/switchboard-apt.log)"; }
  fi
}

go_ok() {
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  [ "$(printf '%s\n%s\n' "$GO_VERSION" "$v" | sort -V | head -1)" = "$GO_VERSION" ]
}

# ensure_go puts a Go >= GO_VERSION on PATH. Under sudo, PATH often lacks
# /usr/local/go/bin, so that is tried too. With no Go at all, Debian's
# golang-go is installed and used only to fetch the official toolchain
# module (golang.org/toolchain) from the Go module proxy.
ensure_go() {
  for g in "$(command -v go 2>/dev/null)" /usr/local/go/bin/go "$HOME/go/bin/go"; do
    if [ -n "$g" ] && [ -x "$g" ] && go_ok "$g"; then
      export PATH="$(dirname "$g"):$PATH"
      return 0
    fi
  done
  local gopath tc="golang.org/toolchain@v0.0.1-go${GO_VERSION}.linux-amd64"
  gopath=$(go env GOPATH 2>/dev/null || echo "$HOME/go")
  if [ ! -x "$gopath/pkg/mod/$tc/bin/go" ]; then
    command -v go >/dev/null 2>&1 || apt_install golang-go ca-certificates
    say "fetching Go ${GO_VERSION} (module $tc) from the Go module proxy"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && go mod init bootstrap >/dev/null 2>&1 && GOFLAGS=-mod=mod go mod download "$tc") \
      || die "could not fetch Go ${GO_VERSION} from the module proxy"
    rm -rf "$tmp"
  fi
  chmod -R u+w "$gopath/pkg/mod/$tc" 2>/dev/null || true
  export PATH="$gopath/pkg/mod/$tc/bin:$PATH"
  go_ok go || die "Go ${GO_VERSION} is not usable"
}

# The build needs a C toolchain and the embedded speech engines: cgo binds
# pocketsphinx (ASR, with the US English acoustic model and dictionary) and
# espeak-ng (TTS, English and Mandarin voices).
SPEECH_PACKAGES=(gcc pkg-config libpocketsphinx-dev pocketsphinx-en-us espeak-ng libespeak-ng-dev)
ensure_speech() {
  apt_install "${SPEECH_PACKAGES[@]}"
}
