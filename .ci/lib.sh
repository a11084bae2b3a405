# Shared set-up for the project's scripts: install what is missing, and
# nothing else. Sourced by .ci/run, .ci/test and .ci/app.

# System packages BPF Draft needs to build: a C compiler for cgo
# (automerge-go links a static Rust library), and the OpenGL and X11
# headers Fyne's window driver (GLFW) compiles against.
BPF_PACKAGES=(gcc libc6-dev pkg-config git curl ca-certificates unzip
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
	fonts-dejavu-core fonts-dejavu-extra fonts-arphic-uming)

# What the tests read exported documents with (independent readers).
# (fonts-droid-fallback: the PDF's Chinese, Japanese and Korean text
# where AR PL UMing, a Ming face to match the serif body, is missing; the
# tests try both.)
BPF_TEST_PACKAGES=(python3 python3-docx python3-odf python3-pypdf python3-html5lib poppler-utils fonts-droid-fallback)

# The Go version go.mod asks for.
BPF_GO_VERSION=1.26.8

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_packages() {
	local missing=()
	for p in "${BPF_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "Installing system packages: ${missing[*]}" >&2
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	fi
}

# Go's own toolchain archives, as the Go module proxy serves them (the
# only Go download this project's machines reach), with their SHA-256,
# checked against the Go checksum database (sum.golang.org) when pinned.
BPF_GO_SHA256_amd64=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
BPF_GO_SHA256_arm64=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99

# go_version_of prints the version of the go binary given, or nothing.
go_version_of() {
	"$1" env GOVERSION 2>/dev/null | sed 's/^go//'
}

# at_least A B: is version A at least B?
at_least() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# ensure_go puts a Go of at least BPF_GO_VERSION first on the PATH. A
# distribution's older Go (Debian 12 and Ubuntu 22.04 ship one older than
# 1.21, which cannot fetch newer toolchains) must not shadow ours.
ensure_go() {
	local cand have
	for cand in "$(command -v go 2>/dev/null)" /usr/local/go/bin/go "$HOME/.local/go/bin/go"; do
		[ -n "$cand" ] && [ -x "$cand" ] || continue
		have=$(go_version_of "$cand")
		[ -n "$have" ] || continue
		if at_least "$have" "$BPF_GO_VERSION"; then
			export PATH="$(dirname "$cand"):$PATH"
			return
		fi
	done
	install_go
	export PATH="$HOME/.local/go/bin:$PATH"
	have=$(go_version_of "$HOME/.local/go/bin/go")
	if [ "$have" != "$BPF_GO_VERSION" ]; then
		echo "Go $BPF_GO_VERSION did not install (found '${have:-nothing}' in ~/.local/go)" >&2
		return 1
	fi
}

# install_go downloads Go into ~/.local/go and checks its SHA-256 before
# unpacking anything.
install_go() {
	echo "Installing Go $BPF_GO_VERSION into ~/.local/go" >&2
	local arch sum_var want got tmp
	arch=$(dpkg --print-architecture)
	sum_var="BPF_GO_SHA256_$arch"
	want=${!sum_var:-}
	if [ -z "$want" ]; then
		echo "No pinned checksum for Go on $arch: install Go $BPF_GO_VERSION yourself (https://go.dev/dl) and put it on the PATH" >&2
		return 1
	fi
	tmp=$(mktemp -d)
	curl -fsSL -o "$tmp/go.zip" "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$BPF_GO_VERSION.linux-$arch.zip"
	got=$(sha256sum "$tmp/go.zip" | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then
		echo "The Go archive's SHA-256 is $got, expected $want: not installing it" >&2
		rm -rf "$tmp"
		return 1
	fi
	unzip -q "$tmp/go.zip" -d "$tmp/x"
	rm -rf "$HOME/.local/go"
	mkdir -p "$HOME/.local"
	mv "$tmp/x/golang.org/toolchain@v0.0.1-go$BPF_GO_VERSION.linux-$arch" "$HOME/.local/go"
	chmod +x "$HOME/.local/go/bin/"* "$HOME/.local/go/pkg/tool/"*/* 2>/dev/null || true
	rm -rf "$tmp"
}

# ensure_node makes node and npm available (tests open exported drafts in
# Automerge JS): the ones installed, or Debian's.
ensure_node() {
	if command -v node >/dev/null && command -v npm >/dev/null; then
		return
	fi
	echo "Installing node and npm" >&2
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends nodejs npm >&2
}
